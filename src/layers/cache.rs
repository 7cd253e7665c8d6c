//! The package managers' cache layers (cache only: neither build nor launch), alike for
//! `pip-cache`, `uv-cache`, `poetry-cache`, `pipenv-cache` (keyed on the Python version) and
//! `npm-cache` (keyed on the Node.js major version): [`prepare_cache`]. Each holds a tool's
//! download/build cache, never its output, and is reset when the runtime version or the target
//! changes, so it can't grow without bound with files nobody uses. The per-layer files
//! (`python/layers/pip_cache.rs`, …, `node/layers/npm_cache.rs`) say which variable points at it.

use crate::layers::{changed_fields, keep_unless_changed};
use crate::output;
use crate::{BuildpackError, PythonBuildpack};
use libcnb::Env;
use libcnb::build::BuildContext;
use libcnb::data::layer::LayerName;
use libcnb::layer::{CachedLayerDefinition, EmptyLayerCause, InvalidMetadataAction, LayerState};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Serialize)]
#[serde(deny_unknown_fields)]
struct CacheLayerMetadata {
    /// The runtime version the cache is for (Python X.Y.Z, or the Node.js major version).
    #[serde(alias = "python_version")]
    version: String,
    arch: String,
    distro_name: String,
    distro_version: String,
}

/// Prepares a cache-only layer `layer` for a package manager's download/build cache, reset
/// when the runtime version (`(what, version)`, e.g. `("Python version", "3.13.5")`) or the
/// target changes, and sets `env_var` to its path in `env` (for this buildpack's runs only).
/// `description` names it in the log. Returns the layer path.
///
/// # Errors
/// libcnb errors for layer I/O.
pub(crate) fn prepare_cache(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
    (what, version): (&str, &str),
    layer: LayerName,
    env_var: &str,
    description: &str,
) -> libcnb::Result<std::path::PathBuf, BuildpackError> {
    let metadata = CacheLayerMetadata {
        version: version.to_string(),
        arch: context.target.arch.clone(),
        distro_name: context.target.distro_name.clone(),
        distro_version: context.target.distro_version.clone(),
    };
    let layer = context.cached_layer(
        layer,
        CachedLayerDefinition {
            build: false,
            launch: false,
            invalid_metadata_action: &|_| InvalidMetadataAction::DeleteLayer,
            restored_layer_action: &|cached: &CacheLayerMetadata, layer_dir| {
                let reasons = changed_fields(&[
                    (what, &cached.version, &metadata.version),
                    ("target architecture", &cached.arch, &metadata.arch),
                    (
                        "target distro name",
                        &cached.distro_name,
                        &metadata.distro_name,
                    ),
                    (
                        "target distro version",
                        &cached.distro_version,
                        &metadata.distro_version,
                    ),
                ]);
                // A cache: whatever is (or isn't) in it may be reused.
                keep_unless_changed(
                    layer_dir,
                    &[],
                    &reasons,
                    &format!("Discarding the {description}"),
                )
            },
        },
    )?;
    match layer.state {
        LayerState::Restored { .. } => output::info(format!("Using cached {description}")),
        LayerState::Empty { ref cause } => {
            if let EmptyLayerCause::RestoredLayerAction { cause } = cause {
                output::info(cause);
            }
            output::info(format!("Creating a new {description}"));
            layer.write_metadata(metadata.clone())?;
        }
    }
    env.insert(env_var, layer.path());
    Ok(layer.path())
}
