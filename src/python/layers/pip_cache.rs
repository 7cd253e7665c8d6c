//! The `pip-cache` layer (cache only: neither build nor launch). It holds pip's HTTP and
//! wheel cache (`PIP_CACHE_DIR`), never pip's output, so an unchanged wheel isn't downloaded
//! or built again. Reset when the Python version or the target changes (see
//! [`crate::layers::cache`]).

use crate::{BuildpackError, PythonBuildpack, layers};
use libcnb::Env;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;

/// Prepares the `pip-cache` layer and sets `PIP_CACHE_DIR` in `env` (for this buildpack's runs).
///
/// # Errors
/// libcnb errors for layer I/O.
pub(crate) fn prepare_pip_cache(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
    python_version: &str,
) -> libcnb::Result<(), BuildpackError> {
    layers::cache::prepare_cache(
        context,
        env,
        ("Python version", python_version),
        layer_name!("pip-cache"),
        "PIP_CACHE_DIR",
        "pip download/wheel cache",
    )
    .map(|_| ())
}
