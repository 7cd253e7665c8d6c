//! The Django helper script (`assetpack_django.py`) and what it reports: it runs through the
//! app's own manage.py, from manage.py's directory, with the build env (user env included:
//! settings often read `SECRET_KEY` or `DATABASE_URL`).

use super::errors::DjangoError;
use super::fsname;
use crate::command;
use libcnb::Env;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The helper script, written to a temporary file at build time.
const HELPER_SOURCE: &str = include_str!("assetpack_django.py");

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

#[cfg(test)]
mod tests {
    use super::*;

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
