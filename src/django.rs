//! Django: deciding whether to run collectstatic, and inspecting the app's static files setup.
//!
//! collectstatic runs only when all of these hold, and the log says which one didn't:
//! not disabled (`BP_DISABLE_COLLECTSTATIC=true`, or the classic `DISABLE_COLLECTSTATIC=1`),
//! Django installed in the venv, a `manage.py` (in the app root, a symlink is fine, or where
//! `BP_DJANGO_MANAGE_PY` says), `django.contrib.staticfiles` in `INSTALLED_APPS`. `STATIC_ROOT`
//! must then be set.
//!
//! The inspection runs `src/django/assetpack_django.py probe` through the app's own manage.py,
//! from manage.py's directory, with the build env (user env included: settings often read
//! `SECRET_KEY` or `DATABASE_URL`).

pub(crate) mod errors;
pub(crate) mod fsname;
pub(crate) mod launch_image;

use crate::command::{self, CommandError};
use libcnb::Env;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The helper script, written to a temporary file at build time.
const HELPER_SOURCE: &str = include_str!("django/assetpack_django.py");

pub(crate) const DISABLE_ENV_VAR: &str = "BP_DISABLE_COLLECTSTATIC";
pub(crate) const CLASSIC_DISABLE_ENV_VAR: &str = "DISABLE_COLLECTSTATIC";
/// `manage.py`'s path relative to the app directory, for apps that keep it in a subdirectory.
pub(crate) const MANAGE_PY_ENV_VAR: &str = "BP_DJANGO_MANAGE_PY";
/// `false` collects copies instead of links (`collectstatic` without `--link`).
pub(crate) const LINK_ENV_VAR: &str = "BP_COLLECTSTATIC_LINK";

/// Why collectstatic doesn't run.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SkipReason {
    Disabled,
    DisabledClassic,
    DjangoNotInstalled,
    /// No manage.py in the app root; `found` lists any one or two levels down (relative).
    NoManagePy {
        found: Vec<PathBuf>,
    },
    StaticfilesNotInstalled,
}

/// One file the staticfiles finders collect.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub(crate) struct InputFile {
    pub(crate) sha256: String,
    /// Absolute path of the source file, as an fsname (see [`fsname`]).
    pub(crate) source: String,
}

impl InputFile {
    /// The source file's path.
    pub(crate) fn source_path(&self) -> PathBuf {
        fsname::path(&self.source)
    }
}

/// What `assetpack_django.py probe` reports.
#[derive(Debug, Default, Deserialize)]
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
    /// Canonical JSON text of each setting that shapes the output.
    #[serde(default)]
    pub(crate) settings: BTreeMap<String, String>,
    /// Settings left out of the key because their value has no stable form.
    #[serde(default)]
    pub(crate) unstable_settings: Vec<String>,
    /// `name → version` of the distributions that shape the output, and `file:<path> → hash`
    /// of the app's own modules that define the storage or a finder.
    #[serde(default)]
    pub(crate) packages: BTreeMap<String, String>,
    /// Prefixed path (as collected into STATIC_ROOT, an fsname) → input file.
    #[serde(default)]
    pub(crate) files: BTreeMap<String, InputFile>,
}

/// Errors while inspecting Django or collecting static files.
#[derive(Debug)]
pub(crate) enum DjangoError {
    WriteHelper(std::io::Error),
    /// The probe failed: usually the settings raised (captured traceback inside).
    Inspect(CommandError),
    ReadProbe(PathBuf, String),
    StaticRootUnset,
    StaticRootOutsideApp {
        static_root: PathBuf,
        app_dir: PathBuf,
    },
    /// STATIC_ROOT already holds files before collectstatic (it would have to be replaced).
    /// `entries` are a few of them, relative to the app; `total` counts every file;
    /// `static_dirs_inside` are input directories that lie inside it.
    StaticRootNotEmpty {
        static_root: PathBuf,
        entries: Vec<PathBuf>,
        total: usize,
        static_dirs_inside: Vec<PathBuf>,
    },
    /// `BP_DJANGO_MANAGE_PY` names no file inside the app.
    ManagePyNotFound(String),
    /// `BP_COLLECTSTATIC_LINK` holds something other than true/false.
    InvalidLinkSetting(String),
    Collectstatic(CommandError),
    /// Preparing or tidying the staticfiles layer failed.
    Layer(String, std::io::Error),
}

/// What the static files step did, for the steps after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StaticOutcome {
    /// collectstatic ran or its output was reused: static files are in place.
    Collected,
    Skipped,
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

/// `BP_COLLECTSTATIC_LINK`: unset or `true` → link (the default), `false` → copy.
///
/// # Errors
/// [`DjangoError::InvalidLinkSetting`] for any other value.
pub(crate) fn link_mode(env: &Env) -> Result<bool, DjangoError> {
    match env.get_string_lossy(LINK_ENV_VAR) {
        None => Ok(true),
        Some(value) => match value.trim().to_ascii_lowercase().as_str() {
            "" | "1" | "true" | "yes" => Ok(true),
            "0" | "false" | "no" => Ok(false),
            _ => Err(DjangoError::InvalidLinkSetting(value)),
        },
    }
}

/// The first gate that stops collectstatic before manage.py is looked for, if any.
pub(crate) fn skip_before_probe(env: &Env, venv: &Path) -> Option<SkipReason> {
    if env_flag(env, DISABLE_ENV_VAR) {
        Some(SkipReason::Disabled)
    } else if env_flag(env, CLASSIC_DISABLE_ENV_VAR) {
        Some(SkipReason::DisabledClassic)
    } else if !venv.join("bin").join("django-admin").exists() {
        Some(SkipReason::DjangoNotInstalled)
    } else {
        None
    }
}

/// Where manage.py is: `BP_DJANGO_MANAGE_PY` (relative to the app), else `manage.py` in the app
/// root. `Ok(Err(reason))` when there is none (naming any found one or two levels down).
///
/// # Errors
/// [`DjangoError::ManagePyNotFound`] when `BP_DJANGO_MANAGE_PY` names no file inside the app.
pub(crate) fn locate_manage_py(
    env: &Env,
    app_dir: &Path,
) -> Result<Result<PathBuf, SkipReason>, DjangoError> {
    if let Some(value) = env
        .get_string_lossy(MANAGE_PY_ENV_VAR)
        .filter(|value| !value.trim().is_empty())
    {
        let relative = Path::new(value.trim());
        let inside = !relative.is_absolute()
            && relative
                .components()
                .all(|part| matches!(part, std::path::Component::Normal(_)));
        let path = app_dir.join(relative);
        return if inside && path.is_file() {
            Ok(Ok(path))
        } else {
            Err(DjangoError::ManagePyNotFound(value))
        };
    }
    let root = app_dir.join("manage.py");
    if root.exists() {
        return Ok(Ok(root));
    }
    Ok(Err(SkipReason::NoManagePy {
        found: manage_py_below(app_dir),
    }))
}

/// `manage.py` files one or two directory levels below `app_dir` (relative paths, sorted),
/// skipping hidden directories, `node_modules` and virtual environments.
fn manage_py_below(app_dir: &Path) -> Vec<PathBuf> {
    fn subdirs(dir: &Path) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
            .map(|entry| entry.path())
            .filter(|path| {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                !name.starts_with('.')
                    && name != "node_modules"
                    && name != "__pycache__"
                    && !path.join("pyvenv.cfg").exists()
            })
            .collect();
        dirs.sort();
        dirs
    }
    let mut found = Vec::new();
    for first in subdirs(app_dir) {
        if first.join("manage.py").is_file() {
            found.push(first.join("manage.py"));
        }
        for second in subdirs(&first) {
            if second.join("manage.py").is_file() {
                found.push(second.join("manage.py"));
            }
        }
    }
    found
        .into_iter()
        .filter_map(|path| path.strip_prefix(app_dir).ok().map(Path::to_path_buf))
        .collect()
}

/// The helper script in a fresh temporary directory, removed on drop.
pub(crate) struct Helper {
    pub(crate) script: PathBuf,
    dir: tempfile::TempDir,
}

impl Helper {
    /// Writes the helper script into a new, uniquely named temporary directory.
    ///
    /// # Errors
    /// [`DjangoError::WriteHelper`] when the temporary directory can't be written.
    pub(crate) fn write() -> Result<Self, DjangoError> {
        let dir = tempfile::Builder::new()
            .prefix("assetpack-django-")
            .tempdir()
            .map_err(DjangoError::WriteHelper)?;
        let script = dir.path().join("assetpack_django.py");
        std::fs::write(&script, HELPER_SOURCE).map_err(DjangoError::WriteHelper)?;
        Ok(Self { script, dir })
    }

    pub(crate) fn scratch(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs the probe through the app's manage.py, from `manage_dir` (manage.py's directory).
    ///
    /// # Errors
    /// [`DjangoError::Inspect`] when Django fails to start (with its traceback),
    /// [`DjangoError::ReadProbe`] when the output can't be read.
    pub(crate) fn probe(&self, env: &Env, manage_dir: &Path) -> Result<Probe, DjangoError> {
        let output = self.scratch("probe.json");
        command::run_captured(
            command::command("python", env)
                .arg(&self.script)
                .arg("probe")
                .arg(&output)
                .current_dir(manage_dir),
            "python manage.py (inspecting the static files configuration)",
        )
        .map_err(DjangoError::Inspect)?;
        let contents = std::fs::read_to_string(&output)
            .map_err(|error| DjangoError::ReadProbe(output.clone(), error.to_string()))?;
        serde_json::from_str(&contents)
            .map_err(|error| DjangoError::ReadProbe(output, error.to_string()))
    }
}

/// Resolves the storage location (relative paths are relative to manage.py's directory) and
/// checks it is inside the app dir. Returns the path relative to the app dir.
///
/// # Errors
/// [`DjangoError::StaticRootOutsideApp`].
pub(crate) fn static_root_in_app(
    location: &Path,
    manage_dir: &Path,
    app_dir: &Path,
) -> Result<PathBuf, DjangoError> {
    let absolute = normalize(&manage_dir.join(location));
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
/// (local storages) or in copy mode (remote storages). Warns when `bin/post_compile` would
/// run collectstatic again.
///
/// # Errors
/// [`DjangoError`] (inspection, STATIC_ROOT, collectstatic, layer I/O); libcnb layer errors.
pub(crate) fn collect_static_files(
    context: &libcnb::build::BuildContext<crate::PythonBuildpack>,
    env: &Env,
    venv: &Path,
) -> libcnb::Result<StaticOutcome, crate::BuildpackError> {
    let outcome = collect(context, env, venv)?;
    let hook = crate::hooks::Hook::PostCompile;
    if outcome == StaticOutcome::Collected
        && crate::hooks::runs_collectstatic(hook, &context.app_dir)
    {
        let (title, body) = crate::hooks::collectstatic_hook_warning(hook);
        crate::output::warning(title, body);
    }
    Ok(outcome)
}

fn collect(
    context: &libcnb::build::BuildContext<crate::PythonBuildpack>,
    env: &Env,
    venv: &Path,
) -> libcnb::Result<StaticOutcome, crate::BuildpackError> {
    if let Some(reason) = skip_before_probe(env, venv) {
        crate::output::info(skip_message(&reason));
        return Ok(StaticOutcome::Skipped);
    }
    let manage_py = match locate_manage_py(env, &context.app_dir)? {
        Ok(path) => path,
        Err(reason) => {
            crate::output::info(skip_message(&reason));
            return Ok(StaticOutcome::Skipped);
        }
    };
    let manage_dir = manage_py.parent().unwrap_or(&context.app_dir).to_path_buf();
    if manage_dir != context.app_dir {
        crate::output::info(format!(
            "Using {} ({MANAGE_PY_ENV_VAR})",
            manage_py
                .strip_prefix(&context.app_dir)
                .unwrap_or(&manage_py)
                .display()
        ));
    }
    let link = link_mode(env)?;
    // The step's time includes the inspection (a Django start-up and hashing every input).
    let started = std::time::Instant::now();
    let helper = Helper::write()?;
    let probe = helper.probe(env, &manage_dir)?;
    crate::output::done(
        &format!(
            "Inspected the Django settings and {} static inputs",
            probe.files.len()
        ),
        started,
    );
    if !probe.staticfiles_installed {
        crate::output::info(skip_message(&SkipReason::StaticfilesNotInstalled));
        return Ok(StaticOutcome::Skipped);
    }
    if probe.static_root.is_none() && probe.storage_is_local {
        Err(DjangoError::StaticRootUnset)?;
    }
    if !probe.unstable_settings.is_empty() {
        crate::output::info(format!(
            "Left out of the static files cache key (their values have no stable form): {}",
            probe.unstable_settings.join(", ")
        ));
    }
    let run = crate::layers::staticfiles::StaticRun {
        context,
        env,
        helper: &helper,
        probe: &probe,
        manage_dir: &manage_dir,
        link,
        started,
    };
    if !probe.storage_is_local {
        crate::output::info(format!(
            "The staticfiles storage {} doesn't write to the local filesystem, so collectstatic \
             copies instead of linking ('--link' can't symlink to a remote destination) and runs \
             on every build.",
            probe.storage_backend
        ));
        crate::layers::staticfiles::collect_remote(&run)?;
        return Ok(StaticOutcome::Collected);
    }
    let location = probe
        .storage_location
        .clone()
        .or_else(|| probe.static_root.as_ref().map(PathBuf::from))
        .unwrap_or_default();
    let static_root = static_root_in_app(&location, &manage_dir, &context.app_dir)?;
    let layers_root = context.layers_dir.parent().unwrap_or(&context.layers_dir);
    log_collect_mode(&context.app_dir, layers_root, &static_root, &probe, link);
    crate::layers::staticfiles::collect_into_layer(&run, &static_root)?;
    Ok(StaticOutcome::Collected)
}

/// Says how collectstatic will write into the layer, and warns when a uWSGI config serves
/// STATIC_ROOT while links are collected.
fn log_collect_mode(
    app_dir: &Path,
    layers_root: &Path,
    static_root: &Path,
    probe: &Probe,
    link: bool,
) {
    if link {
        crate::output::info(format!(
            "STATIC_ROOT is {}; storage {} writes to the local filesystem, so collectstatic \
             links into the staticfiles layer ('--link')",
            static_root.display(),
            probe.storage_backend
        ));
        if let Some(config) = uwsgi_static_map(app_dir, static_root, probe) {
            crate::output::warning(
                "uWSGI serves STATIC_ROOT",
                format!(
                    "{} maps STATIC_ROOT with static-map. uWSGI refuses files that resolve \
                     outside the mapped directory, and with '--link' collected files are links \
                     to their sources. Set {LINK_ENV_VAR}=false to collect copies instead, or \
                     allow the sources with 'static-safe = {}' and 'static-safe = {}' in the \
                     uWSGI config.",
                    config.display(),
                    app_dir.display(),
                    layers_root.display()
                ),
            );
        }
    } else {
        crate::output::info(format!(
            "STATIC_ROOT is {}; {LINK_ENV_VAR}=false, so collectstatic copies into the \
             staticfiles layer",
            static_root.display(),
        ));
    }
}

/// A uWSGI config in the app's root directory (`*.ini`, `uwsgi.yaml`) whose `static-map`
/// serves STATIC_ROOT or `STATIC_URL`. Returns its path relative to the app.
fn uwsgi_static_map(app_dir: &Path, static_root: &Path, probe: &Probe) -> Option<PathBuf> {
    let static_url = probe
        .settings
        .get("STATIC_URL")
        .and_then(|text| serde_json::from_str::<String>(text).ok())
        .unwrap_or_default();
    let url = static_url.trim_matches('/');
    let root = static_root.to_string_lossy();
    let entries = std::fs::read_dir(app_dir).ok()?;
    let mut candidates: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "ini")
                || path.file_name().is_some_and(|name| name == "uwsgi.yaml")
        })
        .collect();
    candidates.sort();
    candidates.into_iter().find_map(|path| {
        let text = std::fs::read_to_string(&path).ok()?;
        let maps = text.lines().any(|line| {
            let line = line.trim();
            (line.starts_with("static-map") || line.starts_with("static-map2"))
                && (line.contains(root.as_ref())
                    || (!url.is_empty() && line.contains(&format!("/{url}"))))
        });
        maps.then(|| path.strip_prefix(app_dir).unwrap_or(&path).to_path_buf())
    })
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
        SkipReason::NoManagePy { found } if found.is_empty() => {
            "Skipping collectstatic: there is no manage.py (or symlink to one) \
             in the app's root directory."
                .to_string()
        }
        SkipReason::NoManagePy { found } => format!(
            "Skipping collectstatic: there is no manage.py in the app's root directory, but \
             there is {}.\nTo collect static files with it, set {MANAGE_PY_ENV_VAR}={} \
             (e.g. in project.toml's [[io.buildpacks.build.env]]).",
            found
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            found[0].display()
        ),
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
            static_root_in_app(Path::new("/workspace/staticfiles"), app, app).unwrap(),
            Path::new("staticfiles")
        );
        assert_eq!(
            static_root_in_app(Path::new("build/../static"), app, app).unwrap(),
            Path::new("static")
        );
        assert_eq!(
            static_root_in_app(Path::new("../staticfiles"), &app.join("src"), app).unwrap(),
            Path::new("staticfiles"),
            "relative to manage.py's directory"
        );
        assert!(static_root_in_app(Path::new("/var/www/static"), app, app).is_err());
        assert!(static_root_in_app(Path::new("/workspace"), app, app).is_err());
        assert!(static_root_in_app(Path::new("/workspace/../static"), app, app).is_err());
    }

    #[test]
    fn gates_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let venv = dir.path().join("venv");
        std::fs::create_dir_all(venv.join("bin")).unwrap();
        let mut env = Env::new();
        assert_eq!(
            skip_before_probe(&env, &venv),
            Some(SkipReason::DjangoNotInstalled)
        );
        std::fs::write(venv.join("bin/django-admin"), "").unwrap();
        assert_eq!(skip_before_probe(&env, &venv), None);
        env.insert(CLASSIC_DISABLE_ENV_VAR, "1");
        assert_eq!(
            skip_before_probe(&env, &venv),
            Some(SkipReason::DisabledClassic)
        );
        env.insert(DISABLE_ENV_VAR, "true");
        assert_eq!(skip_before_probe(&env, &venv), Some(SkipReason::Disabled));
    }

    #[test]
    fn finds_manage_py_in_the_root_by_setting_or_names_those_below() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path();
        let mut env = Env::new();
        std::fs::create_dir_all(app.join("src/project")).unwrap();
        std::fs::create_dir_all(app.join("node_modules/pkg")).unwrap();
        std::fs::create_dir_all(app.join(".venv")).unwrap();
        std::fs::write(app.join("src/manage.py"), "").unwrap();
        std::fs::write(app.join("src/project/manage.py"), "").unwrap();
        std::fs::write(app.join("node_modules/pkg/manage.py"), "").unwrap();
        std::fs::write(app.join(".venv/manage.py"), "").unwrap();
        let reason = locate_manage_py(&env, app).unwrap().unwrap_err();
        assert_eq!(
            reason,
            SkipReason::NoManagePy {
                found: vec!["src/manage.py".into(), "src/project/manage.py".into()]
            }
        );
        assert_eq!(
            skip_message(&reason),
            "Skipping collectstatic: there is no manage.py in the app's root directory, but there \
             is src/manage.py, src/project/manage.py.\nTo collect static files with it, set \
             BP_DJANGO_MANAGE_PY=src/manage.py (e.g. in project.toml's [[io.buildpacks.build.env]])."
        );

        env.insert(MANAGE_PY_ENV_VAR, "src/manage.py");
        assert_eq!(
            locate_manage_py(&env, app).unwrap().unwrap(),
            app.join("src/manage.py")
        );
        for bad in ["src/missing.py", "../manage.py", "/etc/passwd", "src"] {
            env.insert(MANAGE_PY_ENV_VAR, bad);
            assert!(
                matches!(locate_manage_py(&env, app), Err(DjangoError::ManagePyNotFound(ref value)) if value == bad),
                "{bad}"
            );
        }
        let env = Env::new();
        std::fs::write(app.join("manage.py"), "").unwrap();
        assert_eq!(
            locate_manage_py(&env, app).unwrap().unwrap(),
            app.join("manage.py")
        );
    }

    #[test]
    fn link_setting() {
        let mut env = Env::new();
        assert!(link_mode(&env).unwrap());
        env.insert(LINK_ENV_VAR, "false");
        assert!(!link_mode(&env).unwrap());
        env.insert(LINK_ENV_VAR, "True");
        assert!(link_mode(&env).unwrap());
        env.insert(LINK_ENV_VAR, "copy");
        assert!(matches!(
            link_mode(&env),
            Err(DjangoError::InvalidLinkSetting(ref value)) if value == "copy"
        ));
    }

    #[test]
    fn finds_a_uwsgi_static_map_of_static_root() {
        let dir = tempfile::tempdir().unwrap();
        let probe = Probe {
            settings: BTreeMap::from([("STATIC_URL".to_string(), "\"/static/\"".to_string())]),
            ..Probe::default()
        };
        std::fs::write(
            dir.path().join("other.ini"),
            "[flake8]\nmax-line-length = 99\n",
        )
        .unwrap();
        assert_eq!(
            uwsgi_static_map(dir.path(), Path::new("staticfiles"), &probe),
            None
        );
        std::fs::write(
            dir.path().join("uwsgi.ini"),
            "[uwsgi]\nmodule = mysite.wsgi\nstatic-map = /static=%d/staticfiles\n",
        )
        .unwrap();
        assert_eq!(
            uwsgi_static_map(dir.path(), Path::new("staticfiles"), &probe),
            Some(PathBuf::from("uwsgi.ini"))
        );
    }

    /// The helper's own unit tests (`src/django/assetpack_django_test.py`), with the host's `python3`.
    #[test]
    fn helper_script_unit_tests() {
        let output = std::process::Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/django/assetpack_django_test.py"))
            .output()
            .expect("python3 runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    #[test]
    fn parses_probe_output() {
        let probe: Probe = serde_json::from_str(
            r#"{"staticfiles_installed": true, "static_root": "/w/staticfiles", "storage_backend": "x.Y",
                "storage_is_local": true, "storage_location": "/w/staticfiles", "manifest_storage": true,
                "manifest_name": "staticfiles.json", "settings": {"STATIC_URL": "\"static/\""},
                "unstable_settings": ["WHITENOISE_X"], "packages": {"Django": "5.2.19"},
                "files": {"a/b.css": {"sha256": "00", "source": "/w/a/static/a/b.css"},
                          "caf%E9.txt": {"sha256": "01", "source": "/w/static/caf%E9.txt"}}}"#,
        )
        .unwrap();
        assert!(probe.manifest_storage);
        assert_eq!(
            probe.files["a/b.css"].source_path(),
            Path::new("/w/a/static/a/b.css")
        );
        assert_eq!(
            std::os::unix::ffi::OsStrExt::as_bytes(
                probe.files["caf%E9.txt"].source_path().as_os_str()
            ),
            b"/w/static/caf\xe9.txt"
        );
        assert_eq!(probe.unstable_settings, ["WHITENOISE_X"]);
        let disabled: Probe = serde_json::from_str(r#"{"staticfiles_installed": false}"#).unwrap();
        assert!(!disabled.staticfiles_installed);
    }
}
