//! The `pipenv-cache` layer (cache only): Pipenv's cache (`PIPENV_CACHE_DIR`), reset when
//! the Python version or the target changes (see [`crate::layers::cache`]).

use crate::{BuildpackError, PythonBuildpack, layers};
use libcnb::Env;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;

/// Prepares the `pipenv-cache` layer and sets `PIPENV_CACHE_DIR` in `env` (for this buildpack's runs).
///
/// # Errors
/// libcnb errors for layer I/O.
pub(crate) fn prepare_pipenv_cache(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
    python_version: &str,
) -> libcnb::Result<(), BuildpackError> {
    layers::cache::prepare_cache(
        context,
        env,
        ("Python version", python_version),
        layer_name!("pipenv-cache"),
        "PIPENV_CACHE_DIR",
        "Pipenv cache",
    )
    .map(|_| ())
}
