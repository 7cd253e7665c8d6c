//! Bootstrapping build tools (pip itself, uv, Poetry) with the pip wheel CPython bundles in
//! `ensurepip/_bundled/`, so the runtime needs no pip of its own. The `pip`, `uv` and `poetry`
//! layers are built with these by `layers::tool`.

use crate::command::{self, CommandError};
use crate::python::inventory::Artifact;
use crate::python::layers::python::stdlib_dir;
use libcnb::Env;
use std::path::{Path, PathBuf};

/// Installs `requirement` (`name==version`) with `--user` (into `PYTHONUSERBASE`, set in
/// `env` to the tool's layer) by running pip straight from CPython's bundled `wheel`, which is
/// quicker than `ensurepip` and needs no pip in the runtime. `--isolated` keeps the user's pip
/// configuration out of the bootstrap.
///
/// # Errors
/// [`CommandError`] when pip can't start or fails (output captured).
pub(crate) fn install_with_bundled_pip(
    wheel: &Path,
    requirement: &str,
    env: &Env,
    app_dir: &Path,
) -> Result<(), CommandError> {
    command::run_captured(
        command::command("python", env)
            .arg(wheel.join("pip"))
            .args([
                "install",
                "--disable-pip-version-check",
                "--isolated",
                "--no-cache-dir",
                "--no-input",
                "--no-warn-script-location",
                "--quiet",
                "--user",
                requirement,
            ])
            .current_dir(app_dir),
        &format!("pip install {requirement}"),
    )
    .map(|_| ())
}

/// The pip wheel CPython bundles (`<stdlib>/ensurepip/_bundled/pip-*.whl`); pip runs from it
/// as `python <wheel>/pip`.
///
/// # Errors
/// `(directory, I/O error)` when the directory can't be read or holds no pip wheel.
pub(crate) fn bundled_pip_wheel(
    python_layer: &Path,
    artifact: &Artifact,
) -> Result<PathBuf, (PathBuf, Option<std::io::Error>)> {
    let bundled = stdlib_dir(python_layer, artifact)
        .join("ensurepip")
        .join("_bundled");
    let entries = std::fs::read_dir(&bundled).map_err(|error| (bundled.clone(), Some(error)))?;
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("pip-"))
                && path
                    .extension()
                    .is_some_and(|extension| extension.eq_ignore_ascii_case("whl"))
        })
        .ok_or((bundled, None))
}
