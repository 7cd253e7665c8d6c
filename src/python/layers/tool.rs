//! Build-only tool layers (`pip`, `uv`, `poetry`: build + cache, never launch), so the tools
//! that install dependencies are never in the launch image.
//!
//! A tool is bootstrapped with the pip wheel CPython bundles in `ensurepip/_bundled/`
//! (see `layers::pip`), which runs `pip install --user <tool>==<pinned version>` with
//! `PYTHONUSERBASE` set to the layer, which puts the tool in `<layer>/bin`. Reused while the
//! tool version, the Python version and the target are unchanged.

use crate::command::CommandError;
use crate::layers::{changed_fields, keep_unless_changed, runtime_changes};
use crate::output;
use crate::python::inventory::Artifact;
use crate::python::pip_bootstrap::{bundled_pip_wheel, install_with_bundled_pip};
use crate::{BuildpackError, PythonBuildpack};
use libcnb::Env;
use libcnb::build::BuildContext;
use libcnb::data::layer::LayerName;
use libcnb::layer::{CachedLayerDefinition, EmptyLayerCause, InvalidMetadataAction, LayerState};
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A tool to install: its layer, PyPI package, pinned version and build-time environment.
pub(crate) struct Tool {
    /// Layer name, e.g. `uv`.
    pub(crate) layer: LayerName,
    /// The PyPI distribution name, e.g. `uv`; also its name in the log.
    pub(crate) package: &'static str,
    /// The pinned version (see `crate::python::pinned_version`).
    pub(crate) version: &'static str,
    /// Extra build-scope variables the layer sets for the tool's runs.
    pub(crate) env: &'static [(&'static str, &'static str)],
    /// Build-scope defaults: set only when the user hasn't set them.
    pub(crate) env_defaults: &'static [(&'static str, &'static str)],
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Serialize)]
#[serde(deny_unknown_fields)]
struct ToolLayerMetadata {
    tool_version: String,
    python_version: String,
    arch: String,
    distro_name: String,
    distro_version: String,
}

/// Errors of a tool layer.
#[derive(Debug)]
pub(crate) enum ToolLayerError {
    /// `ensurepip/_bundled/pip-*.whl` is missing from the runtime.
    BundledWheelMissing(PathBuf, Option<std::io::Error>),
    /// `pip install <tool>==<version>` failed: `(package, version, error)`.
    Install(&'static str, &'static str, CommandError),
}

/// The tool and cache layers of every package manager.
pub(crate) const PACKAGE_MANAGER_LAYERS: &[&str] = &[
    "pip",
    "pip-cache",
    "pipenv",
    "pipenv-cache",
    "poetry",
    "poetry-cache",
    "uv",
    "uv-cache",
];

/// Installs (or reuses) `tool`; applies the layer env (PATH, `PYTHONUSERBASE`, `tool.env`) to
/// `env` and returns the layer path.
///
/// # Errors
/// [`ToolLayerError`] when bootstrapping fails; libcnb errors for layer I/O.
pub(crate) fn install_tool(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
    python_layer: &Path,
    artifact: &Artifact,
    tool: &Tool,
) -> libcnb::Result<PathBuf, BuildpackError> {
    let metadata = ToolLayerMetadata {
        tool_version: tool.version.to_string(),
        python_version: artifact.version.to_string(),
        arch: context.target.arch.clone(),
        distro_name: context.target.distro_name.clone(),
        distro_version: context.target.distro_version.clone(),
    };
    // pip installs the tool's console script here (`--user`, PYTHONUSERBASE = the layer).
    let executable = format!("bin/{}", tool.package);
    let layer = context.cached_layer(
        tool.layer.clone(),
        CachedLayerDefinition {
            build: true,
            launch: false,
            invalid_metadata_action: &|_| InvalidMetadataAction::DeleteLayer,
            restored_layer_action: &|cached: &ToolLayerMetadata, layer_dir| {
                let reasons = discard_reasons(tool.package, cached, &metadata);
                keep_unless_changed(
                    layer_dir,
                    &[&executable],
                    &reasons,
                    &format!("Discarding cached {} {}", tool.package, cached.tool_version),
                )
            },
        },
    )?;
    let mut layer_env = LayerEnv::new().chainable_insert(
        Scope::Build,
        ModificationBehavior::Override,
        "PYTHONUSERBASE",
        layer.path(),
    );
    for (name, value) in tool.env {
        layer_env =
            layer_env.chainable_insert(Scope::Build, ModificationBehavior::Override, name, value);
    }
    for (name, value) in tool.env_defaults {
        layer_env =
            layer_env.chainable_insert(Scope::Build, ModificationBehavior::Default, name, value);
    }
    layer.write_env(layer_env)?;

    let (package, version) = (tool.package, tool.version);
    match layer.state {
        LayerState::Restored { .. } => output::info(format!("Using cached {package} {version}")),
        LayerState::Empty { ref cause } => {
            if let EmptyLayerCause::RestoredLayerAction { cause } = cause {
                output::info(cause);
            }
            output::info(format!("Installing {package} {version}"));
            let started = Instant::now();
            let wheel = bundled_pip_wheel(python_layer, artifact)
                .map_err(|(dir, error)| ToolLayerError::BundledWheelMissing(dir, error))?;
            // `read_env` rather than the written env: it adds `<layer>/bin` to PATH.
            let layer_env = layer.read_env()?.apply(Scope::Build, env);
            install_with_bundled_pip(
                &wheel,
                &format!("{package}=={version}"),
                &layer_env,
                &context.app_dir,
            )
            .map_err(|error| ToolLayerError::Install(package, version, error))?;
            output::done(&format!("Installed {package} {version}"), started);
            layer.write_metadata(metadata.clone())?;
        }
    }
    env.clone_from(&layer.read_env()?.apply(Scope::Build, env));
    Ok(layer.path())
}

fn discard_reasons(
    package: &str,
    cached: &ToolLayerMetadata,
    current: &ToolLayerMetadata,
) -> Vec<String> {
    let what = format!("{package} version");
    changed_fields(&[(&what, &cached.tool_version, &current.tool_version)])
        .into_iter()
        .chain(runtime_changes(
            [
                &cached.python_version,
                &cached.arch,
                &cached.distro_name,
                &cached.distro_version,
            ],
            [
                &current.python_version,
                &current.arch,
                &current.distro_name,
                &current.distro_version,
            ],
        ))
        .collect::<Vec<_>>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_layer_reasons_name_the_tool() {
        let cached = ToolLayerMetadata {
            tool_version: "0.13.8".into(),
            python_version: "3.13.5".into(),
            arch: "amd64".into(),
            distro_name: "debian".into(),
            distro_version: "12".into(),
        };
        assert!(discard_reasons("uv", &cached, &cached).is_empty());
        let current = ToolLayerMetadata {
            tool_version: "0.13.9".into(),
            ..cached.clone()
        };
        assert_eq!(
            discard_reasons("uv", &cached, &current),
            ["The uv version has changed from 0.13.8 to 0.13.9"]
        );
    }
}
