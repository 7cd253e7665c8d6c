//! The `pip` layer (build + cache, not launch): pip itself, so it is never in the launch image.
//!
//! pip is bootstrapped from the wheel CPython bundles in `ensurepip/_bundled/`, then installs
//! the pinned version from `requirements/pip.txt` with `--user` into this layer
//! (`PYTHONUSERBASE`). Reused while the Python version and pip version are unchanged.

use crate::command::{self, CommandError};
use crate::inventory::Artifact;
use crate::layers::{bullet_list, changed_fields, python::stdlib_dir};
use crate::output;
use crate::pinned_version::PIP_VERSION;
use crate::{BuildpackError, PythonBuildpack};
use libcnb::Env;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{
    CachedLayerDefinition, EmptyLayerCause, InvalidMetadataAction, LayerState, RestoredLayerAction,
};
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Serialize)]
#[serde(deny_unknown_fields)]
struct PipLayerMetadata {
    python_version: String,
    pip_version: String,
}

/// Errors of the pip layer.
#[derive(Debug)]
pub(crate) enum PipLayerError {
    /// `ensurepip/_bundled/pip-*.whl` is missing from the runtime.
    BundledWheelMissing(PathBuf, Option<std::io::Error>),
    Install(CommandError),
}

/// Installs (or reuses) pip; applies the layer env (PATH, `PYTHONUSERBASE`) to `env`.
///
/// # Errors
/// [`PipLayerError`] when bootstrapping fails; libcnb errors for layer I/O.
pub(crate) fn install_pip(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
    python_layer: &Path,
    artifact: &Artifact,
) -> libcnb::Result<(), BuildpackError> {
    let metadata = PipLayerMetadata {
        python_version: artifact.version.to_string(),
        pip_version: PIP_VERSION.to_string(),
    };
    let layer = context.cached_layer(
        layer_name!("pip"),
        CachedLayerDefinition {
            build: true,
            launch: false,
            invalid_metadata_action: &|_| InvalidMetadataAction::DeleteLayer,
            restored_layer_action: &|cached: &PipLayerMetadata, _| {
                let reasons = changed_fields(&[
                    (
                        "Python version",
                        &cached.python_version,
                        &metadata.python_version,
                    ),
                    ("pip version", &cached.pip_version, &metadata.pip_version),
                ]);
                if reasons.is_empty() {
                    (RestoredLayerAction::KeepLayer, String::new())
                } else {
                    (
                        RestoredLayerAction::DeleteLayer,
                        format!(
                            "Discarding cached pip {} since:{}",
                            cached.pip_version,
                            bullet_list(&reasons)
                        ),
                    )
                }
            },
        },
    )?;
    layer.write_env(
        LayerEnv::new()
            .chainable_insert(
                Scope::Build,
                ModificationBehavior::Override,
                "PYTHONUSERBASE",
                layer.path(),
            )
            .chainable_insert(
                Scope::Build,
                ModificationBehavior::Override,
                "PIP_DISABLE_PIP_VERSION_CHECK",
                "1",
            ),
    )?;

    match layer.state {
        LayerState::Restored { .. } => output::info(format!("Using cached pip {PIP_VERSION}")),
        LayerState::Empty { ref cause } => {
            if let EmptyLayerCause::RestoredLayerAction { cause } = cause {
                output::info(cause);
            }
            output::info(format!("Installing pip {PIP_VERSION}"));
            let started = Instant::now();
            let wheel = bundled_pip_wheel(python_layer, artifact)
                .map_err(|(dir, error)| PipLayerError::BundledWheelMissing(dir, error))?;
            let layer_env = layer.read_env()?.apply(Scope::Build, env);
            install_with_bundled_pip(
                &wheel,
                &format!("pip=={PIP_VERSION}"),
                &layer_env,
                &context.app_dir,
            )
            .map_err(PipLayerError::Install)?;
            output::done(&format!("Installed pip {PIP_VERSION}"), started);
            layer.write_metadata(metadata.clone())?;
        }
    }
    env.clone_from(&layer.read_env()?.apply(Scope::Build, env));
    Ok(())
}

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
