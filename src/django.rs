//! Django: deciding whether to run collectstatic, and inspecting the app's static files setup.
//!
//! collectstatic runs only when all of these hold, and the log says which one didn't:
//! not disabled (`BP_DISABLE_COLLECTSTATIC=true`, or the classic `DISABLE_COLLECTSTATIC=1`),
//! Django installed in the venv, `manage.py` in the app root (a symlink is fine),
//! `django.contrib.staticfiles` in `INSTALLED_APPS`. `STATIC_ROOT` must then be set.
//!
//! The inspection runs `src/django/assetpack_django.py probe` through the app's own manage.py
//! with the build env (user env included: settings often read `SECRET_KEY` or `DATABASE_URL`).

use crate::command::{self, CommandError};
use libcnb::Env;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The helper script, written to a temporary file at build time.
const HELPER_SOURCE: &str = include_str!("django/assetpack_django.py");

pub(crate) const DISABLE_ENV_VAR: &str = "BP_DISABLE_COLLECTSTATIC";
pub(crate) const CLASSIC_DISABLE_ENV_VAR: &str = "DISABLE_COLLECTSTATIC";

/// Why collectstatic doesn't run.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SkipReason {
    Disabled,
    DisabledClassic,
    DjangoNotInstalled,
    NoManagePy,
    StaticfilesNotInstalled,
}

/// One file the staticfiles finders collect.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub(crate) struct InputFile {
    pub(crate) sha256: String,
    /// Absolute path of the source file.
    pub(crate) source: PathBuf,
}

/// What `assetpack_django.py probe` reports.
#[derive(Debug, Deserialize)]
pub(crate) struct Probe {
    pub(crate) staticfiles_installed: bool,
    #[serde(default)]
    pub(crate) static_root: Option<String>,
    #[serde(default)]
    pub(crate) storage_backend: String,
    #[serde(default)]
    pub(crate) storage_is_local: bool,
    #[serde(default)]
    pub(crate) storage_location: Option<PathBuf>,
    #[serde(default)]
    pub(crate) manifest_storage: bool,
    #[serde(default)]
    pub(crate) manifest_name: Option<String>,
    /// `repr()` of each setting that shapes the output.
    #[serde(default)]
    pub(crate) settings: BTreeMap<String, String>,
    /// `name==version` of every installed distribution.
    #[serde(default)]
    pub(crate) packages: Vec<String>,
    /// Prefixed path (as collected into STATIC_ROOT) → input file.
    #[serde(default)]
    pub(crate) files: BTreeMap<String, InputFile>,
}

/// Errors while inspecting Django or collecting static files.
#[derive(Debug)]
pub(crate) enum DjangoError {
    WriteHelper(PathBuf, std::io::Error),
    /// The probe failed: usually the settings raised (captured traceback inside).
    Inspect(CommandError),
    ReadProbe(PathBuf, String),
    StaticRootUnset,
    StaticRootOutsideApp {
        static_root: PathBuf,
        app_dir: PathBuf,
    },
    Collectstatic(CommandError),
    /// Preparing or tidying the staticfiles layer failed.
    Layer(String, std::io::Error),
}

/// True when an env var is set to `true`/`1`/`yes` (case-insensitive).
pub(crate) fn env_flag(env: &Env, name: &str) -> bool {
    env.get_string_lossy(name).is_some_and(|value| {
        matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes"
        )
    })
}

/// The first gate that stops collectstatic before Django is started, if any.
pub(crate) fn skip_before_probe(env: &Env, app_dir: &Path, venv: &Path) -> Option<SkipReason> {
    if env_flag(env, DISABLE_ENV_VAR) {
        Some(SkipReason::Disabled)
    } else if env_flag(env, CLASSIC_DISABLE_ENV_VAR) {
        Some(SkipReason::DisabledClassic)
    } else if !venv.join("bin").join("django-admin").exists() {
        Some(SkipReason::DjangoNotInstalled)
    } else if !app_dir.join("manage.py").exists() {
        Some(SkipReason::NoManagePy)
    } else {
        None
    }
}

/// The helper script on disk: `(script path, scratch dir for its outputs)`.
pub(crate) struct Helper {
    pub(crate) script: PathBuf,
    dir: PathBuf,
}

impl Helper {
    /// Writes the helper script into a fresh temporary directory.
    ///
    /// # Errors
    /// [`DjangoError::WriteHelper`] when the temporary directory can't be written.
    pub(crate) fn write() -> Result<Self, DjangoError> {
        let dir = std::env::temp_dir().join(format!("assetpack-django-{}", std::process::id()));
        let script = dir.join("assetpack_django.py");
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&script, HELPER_SOURCE))
            .map_err(|error| DjangoError::WriteHelper(script.clone(), error))?;
        Ok(Self { script, dir })
    }

    pub(crate) fn scratch(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Runs the probe through the app's manage.py.
    ///
    /// # Errors
    /// [`DjangoError::Inspect`] when Django fails to start (with its traceback),
    /// [`DjangoError::ReadProbe`] when the output can't be read.
    pub(crate) fn probe(&self, env: &Env, app_dir: &Path) -> Result<Probe, DjangoError> {
        let output = self.scratch("probe.json");
        command::run_captured(
            command::command("python", env)
                .arg(&self.script)
                .arg("probe")
                .arg(&output)
                .current_dir(app_dir),
            "python manage.py (inspecting the static files configuration)",
        )
        .map_err(DjangoError::Inspect)?;
        let contents = std::fs::read_to_string(&output)
            .map_err(|error| DjangoError::ReadProbe(output.clone(), error.to_string()))?;
        serde_json::from_str(&contents)
            .map_err(|error| DjangoError::ReadProbe(output, error.to_string()))
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Resolves the storage location (relative paths are relative to the app dir) and checks it
/// is inside the app dir. Returns the path relative to the app dir.
///
/// # Errors
/// [`DjangoError::StaticRootOutsideApp`].
pub(crate) fn static_root_in_app(location: &Path, app_dir: &Path) -> Result<PathBuf, DjangoError> {
    let absolute = normalize(&app_dir.join(location));
    match absolute.strip_prefix(normalize(app_dir)) {
        Ok(relative) if !relative.as_os_str().is_empty() => Ok(relative.to_path_buf()),
        _ => Err(DjangoError::StaticRootOutsideApp {
            static_root: absolute,
            app_dir: app_dir.to_path_buf(),
        }),
    }
}

/// Lexical normalisation (`.` and `..`), without touching the filesystem.
fn normalize(path: &Path) -> PathBuf {
    let mut normalized = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                normalized.pop();
            }
            other => normalized.push(other),
        }
    }
    normalized
}

/// The static files step: gates, inspection, then collectstatic into the staticfiles layer
/// (local storages) or in copy mode (remote storages).
///
/// # Errors
/// [`DjangoError`] (inspection, STATIC_ROOT, collectstatic, layer I/O); libcnb layer errors.
pub(crate) fn collect_static_files(
    context: &libcnb::build::BuildContext<crate::PythonBuildpack>,
    env: &Env,
    venv: &Path,
) -> libcnb::Result<(), crate::BuildpackError> {
    if let Some(reason) = skip_before_probe(env, &context.app_dir, venv) {
        crate::output::info(skip_message(&reason));
        return Ok(());
    }
    // The step's time includes the inspection (a Django start-up and hashing every input).
    let started = std::time::Instant::now();
    let helper = Helper::write()?;
    let probe = helper.probe(env, &context.app_dir)?;
    crate::output::done(
        &format!(
            "Inspected the Django settings and {} static inputs",
            probe.files.len()
        ),
        started,
    );
    if !probe.staticfiles_installed {
        crate::output::info(skip_message(&SkipReason::StaticfilesNotInstalled));
        return Ok(());
    }
    if probe.static_root.is_none() && probe.storage_is_local {
        Err(DjangoError::StaticRootUnset)?;
    }
    if !probe.storage_is_local {
        crate::output::info(format!(
            "The staticfiles storage {} doesn't write to the local filesystem, so collectstatic \
             copies instead of linking ('--link' can't symlink to a remote destination) and runs \
             on every build.",
            probe.storage_backend
        ));
        crate::layers::staticfiles::collect_remote(context, env, &helper, started)?;
        return Ok(());
    }
    let location = probe
        .storage_location
        .clone()
        .or_else(|| probe.static_root.as_ref().map(PathBuf::from))
        .unwrap_or_default();
    let static_root = static_root_in_app(&location, &context.app_dir)?;
    crate::output::info(format!(
        "STATIC_ROOT is {}; storage {} writes to the local filesystem, so collectstatic links \
         into the staticfiles layer ('--link')",
        static_root.display(),
        probe.storage_backend
    ));
    crate::layers::staticfiles::collect_into_layer(
        context,
        env,
        &helper,
        &probe,
        &static_root,
        started,
    )
}

fn skip_message(reason: &SkipReason) -> String {
    match reason {
        SkipReason::Disabled => format!("Skipping collectstatic: {DISABLE_ENV_VAR} is set."),
        SkipReason::DisabledClassic => format!(
            "Skipping collectstatic: {CLASSIC_DISABLE_ENV_VAR} is set.\n\
             Note: {CLASSIC_DISABLE_ENV_VAR} is the classic name; use {DISABLE_ENV_VAR}=true instead."
        ),
        SkipReason::DjangoNotInstalled => {
            "Skipping collectstatic: Django isn't installed.".to_string()
        }
        SkipReason::NoManagePy => {
            "Skipping collectstatic: there is no manage.py (or symlink to one) \
             in the app's root directory."
                .to_string()
        }
        SkipReason::StaticfilesNotInstalled => {
            "Skipping collectstatic: 'django.contrib.staticfiles' \
             isn't in INSTALLED_APPS."
                .to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_root_must_be_inside_the_app() {
        let app = Path::new("/workspace");
        assert_eq!(
            static_root_in_app(Path::new("/workspace/staticfiles"), app).unwrap(),
            Path::new("staticfiles")
        );
        assert_eq!(
            static_root_in_app(Path::new("build/../static"), app).unwrap(),
            Path::new("static")
        );
        assert!(static_root_in_app(Path::new("/var/www/static"), app).is_err());
        assert!(static_root_in_app(Path::new("/workspace"), app).is_err());
        assert!(static_root_in_app(Path::new("/workspace/../static"), app).is_err());
    }

    #[test]
    fn gates_in_order() {
        let dir =
            std::env::temp_dir().join(format!("assetpack-django-gates-{}", std::process::id()));
        let venv = dir.join("venv");
        std::fs::create_dir_all(venv.join("bin")).unwrap();
        let mut env = Env::new();
        assert_eq!(
            skip_before_probe(&env, &dir, &venv),
            Some(SkipReason::DjangoNotInstalled)
        );
        std::fs::write(venv.join("bin/django-admin"), "").unwrap();
        assert_eq!(
            skip_before_probe(&env, &dir, &venv),
            Some(SkipReason::NoManagePy)
        );
        std::fs::write(dir.join("manage.py"), "").unwrap();
        assert_eq!(skip_before_probe(&env, &dir, &venv), None);
        env.insert(CLASSIC_DISABLE_ENV_VAR, "1");
        assert_eq!(
            skip_before_probe(&env, &dir, &venv),
            Some(SkipReason::DisabledClassic)
        );
        env.insert(DISABLE_ENV_VAR, "true");
        assert_eq!(
            skip_before_probe(&env, &dir, &venv),
            Some(SkipReason::Disabled)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn parses_probe_output() {
        let probe: Probe = serde_json::from_str(
            r#"{"staticfiles_installed": true, "static_root": "/w/staticfiles", "storage_backend": "x.Y",
                "storage_is_local": true, "storage_location": "/w/staticfiles", "manifest_storage": true,
                "manifest_name": "staticfiles.json", "settings": {"STATIC_URL": "'static/'"},
                "packages": ["Django==5.2.19"], "files": {"a/b.css": {"sha256": "00", "source": "/w/a/static/a/b.css"}}}"#,
        )
        .unwrap();
        assert!(probe.manifest_storage);
        assert_eq!(
            probe.files["a/b.css"].source,
            Path::new("/w/a/static/a/b.css")
        );
        let disabled: Probe = serde_json::from_str(r#"{"staticfiles_installed": false}"#).unwrap();
        assert!(!disabled.staticfiles_installed);
    }
}
