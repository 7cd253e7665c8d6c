//! The `poetry-cache` layer (cache only): Poetry's cache (`POETRY_CACHE_DIR`), reset when
//! the Python version or the target changes (see [`crate::layers::cache`]).

use crate::{BuildpackError, PythonBuildpack, layers};
use libcnb::Env;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;

/// Prepares the `poetry-cache` layer and sets `POETRY_CACHE_DIR` in `env` (for this buildpack's runs).
///
/// # Errors
/// libcnb errors for layer I/O.
pub(crate) fn prepare_poetry_cache(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
    python_version: &str,
) -> libcnb::Result<(), BuildpackError> {
    layers::cache::prepare_cache(
        context,
        env,
        ("Python version", python_version),
        layer_name!("poetry-cache"),
        "POETRY_CACHE_DIR",
        "Poetry cache",
    )
    .map(|_| ())
}
