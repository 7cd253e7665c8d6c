//! Python: the package manager and the Python version ([`package_manager`],
//! [`python_version`], [`inventory`]), the `python` runtime layer, the package manager's tool
//! and cache layers, the `venv` layer with the app's dependencies, and the `web-concurrency`
//! launch layer ([`web_concurrency`]). One layer per file in [`layers`];
//! [`install_package_manager`] installs the chosen package manager's tool and cache layers.

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
pub(crate) mod runtime_check;
pub(crate) mod sbom;
pub(crate) mod version;
pub(crate) mod web_concurrency;

use crate::python::layers::tool::{self, Tool};
use crate::python::layers::{pip_cache, pipenv_cache, poetry_cache, uv_cache};
use crate::python::package_manager::PackageManager;
use crate::python::pinned_version::{PIP_VERSION, PIPENV_VERSION, POETRY_VERSION, UV_VERSION};
use crate::{BuildpackError, PythonBuildpack};
use libcnb::Env;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use std::path::Path;

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

/// uv: a build-only tool layer; never downloads or uses uv-managed Pythons, and hardlinks
/// from its cache (on the same filesystem as the venv).
const UV_ENV: &[(&str, &str)] = &[
    ("UV_PYTHON_DOWNLOADS", "never"),
    ("UV_NO_MANAGED_PYTHON", "1"),
    ("UV_LINK_MODE", "hardlink"),
];

/// uv verifies TLS with the system's certificate store (like pip does), so a CA the build
/// image trusts (e.g. a company proxy's) works; users can set `UV_SYSTEM_CERTS=0`.
const UV_ENV_DEFAULTS: &[(&str, &str)] = &[("UV_SYSTEM_CERTS", "1")];

/// pip: a build-only tool layer; later pip runs skip the version check.
const PIP_ENV: &[(&str, &str)] = &[("PIP_DISABLE_PIP_VERSION_CHECK", "1")];

/// Poetry: a build-only tool layer that installs into the buildpack's venv, never its own.
const POETRY_ENV: &[(&str, &str)] = &[("POETRY_VIRTUALENVS_CREATE", "false")];

/// Installs the package manager's tool layer and prepares its cache layer (pip: `pip` +
/// `pip-cache`; uv: `uv` + `uv-cache`; Poetry: `poetry` + `poetry-cache`; Pipenv: `pipenv` +
/// `pipenv-cache`), after removing another package manager's layers from an earlier build.
///
/// # Errors
/// [`tool::ToolLayerError`] from the tool layer, [`crate::layers::UnusedLayerError`] when an
/// unused layer can't be removed (both `?`-converted); libcnb errors for layer I/O.
pub(crate) fn install_package_manager(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
    python_layer: &Path,
    artifact: &inventory::Artifact,
    package_manager: PackageManager,
) -> libcnb::Result<(), BuildpackError> {
    let python_version = artifact.version.to_string();
    let used: &[&str] = match package_manager {
        PackageManager::Pip => &["pip", "pip-cache"],
        PackageManager::Uv | PackageManager::UvPip => &["uv", "uv-cache"],
        PackageManager::Poetry => &["poetry", "poetry-cache"],
        PackageManager::Pipenv => &["pipenv", "pipenv-cache"],
    };
    crate::layers::remove_unused_layers(&context.layers_dir, tool::PACKAGE_MANAGER_LAYERS, used)?;
    match package_manager {
        PackageManager::Pip => {
            let tool = Tool {
                layer: layer_name!("pip"),
                package: "pip",
                version: PIP_VERSION,
                env: PIP_ENV,
                env_defaults: &[],
            };
            tool::install_tool(context, env, python_layer, artifact, &tool)?;
            pip_cache::prepare_pip_cache(context, env, &python_version)
        }
        PackageManager::Uv | PackageManager::UvPip => {
            let tool = Tool {
                layer: layer_name!("uv"),
                package: "uv",
                version: UV_VERSION,
                env: UV_ENV,
                env_defaults: UV_ENV_DEFAULTS,
            };
            tool::install_tool(context, env, python_layer, artifact, &tool)?;
            uv_cache::prepare_uv_cache(context, env, &python_version)
        }
        PackageManager::Poetry => {
            let tool = Tool {
                layer: layer_name!("poetry"),
                package: "poetry",
                version: POETRY_VERSION,
                env: POETRY_ENV,
                env_defaults: &[],
            };
            tool::install_tool(context, env, python_layer, artifact, &tool)?;
            poetry_cache::prepare_poetry_cache(context, env, &python_version)
        }
        PackageManager::Pipenv => {
            let tool = Tool {
                layer: layer_name!("pipenv"),
                package: "pipenv",
                version: PIPENV_VERSION,
                env: pipenv::PIPENV_ENV,
                env_defaults: &[],
            };
            tool::install_tool(context, env, python_layer, artifact, &tool)?;
            pipenv_cache::prepare_pipenv_cache(context, env, &python_version)
        }
    }
}
