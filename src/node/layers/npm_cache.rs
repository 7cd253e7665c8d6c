//! The `npm-cache` layer (cache only: neither build nor launch). It holds npm's cache
//! (`npm_config_cache`), Yarn 1's (`YARN_CACHE_FOLDER`), pnpm's store (`npm_config_store_dir`)
//! and corepack's downloads (`COREPACK_HOME`): the tools' caches, never their output. Reset
//! when the Node.js major version or the target changes (see [`crate::layers::cache`]).

use crate::node::tools::NodePackageManager;
use crate::{BuildpackError, PythonBuildpack, layers};
use libcnb::Env;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use std::path::PathBuf;

/// Prepares the `npm-cache` layer and points the package manager (and corepack, which
/// provides Yarn and pnpm) at it in `env`: npm's cache is the layer itself; Yarn 1's cache
/// and pnpm's store are set only for those tools (npm warns about unknown config vars).
///
/// Returns the layer path.
///
/// # Errors
/// libcnb errors for layer I/O.
pub(crate) fn prepare_npm_cache(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
    node_major: &str,
    manager: NodePackageManager,
) -> libcnb::Result<PathBuf, BuildpackError> {
    let layer = layers::cache::prepare_cache(
        context,
        env,
        ("Node.js major version", node_major),
        layer_name!("npm-cache"),
        "npm_config_cache",
        "npm/Yarn/pnpm download cache",
    )?;
    match manager {
        NodePackageManager::Npm => {}
        NodePackageManager::Yarn => {
            env.insert("YARN_CACHE_FOLDER", layer.join("yarn"));
        }
        NodePackageManager::Pnpm => {
            // pnpm up to 10 reads npm_config_*, pnpm 11 pnpm_config_*.
            env.insert("npm_config_store_dir", layer.join("pnpm-store"));
            env.insert("pnpm_config_store_dir", layer.join("pnpm-store"));
        }
    }
    if manager != NodePackageManager::Npm {
        env.insert("COREPACK_HOME", layer.join("corepack"));
    }
    Ok(layer)
}
