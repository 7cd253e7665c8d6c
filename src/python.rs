//! Python: the package manager and the Python version ([`package_manager`],
//! [`python_version`], [`inventory`]), the `python` runtime layer, the package manager's tool
//! and cache layers, the `venv` layer with the app's dependencies, and the `web-concurrency`
//! launch layer ([`web_concurrency`]). One layer per file in [`layers`].

pub(crate) mod committed_venv;
pub(crate) mod install_groups;
pub(crate) mod inventory;
pub(crate) mod package_manager;
pub(crate) mod pinned_version;
pub(crate) mod pip_bootstrap;
pub(crate) mod pipenv;
pub(crate) mod pipfile;
pub(crate) mod python_version;
pub(crate) mod requirements_txt;
pub(crate) mod version;
pub(crate) mod web_concurrency;

/// Setting this to `true` reinstalls dependencies even when the cache key is unchanged (the
/// `venv` layer; named in the Pipenv and venv error texts too).
pub(crate) const REINSTALL_ENV_VAR: &str = "BP_REINSTALL_DEPENDENCIES";

/// The Python layers, one per file, named after the layer.
pub(crate) mod layers {
    pub(crate) mod pip_cache;
    pub(crate) mod pipenv_cache;
    pub(crate) mod poetry_cache;
    pub(crate) mod python;
    pub(crate) mod tool;
    pub(crate) mod uv_cache;
    pub(crate) mod venv;
}
