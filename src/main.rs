//! `assetpack/python`: a Cloud Native Buildpack that builds Python web apps.
//!
//! `build()` is a straight line: choose the package manager and the Python version → `python`
//! layer → the package manager's tool layer (`pip`, `uv`, `poetry` or `pipenv`) and cache
//! layer → Node.js tools when needed (`nodejs`, `npm-cache`) → `bin/pre_compile` → `venv` layer
//! → `node-deps` layer and `package.json` build scripts → Django static files →
//! `bin/post_compile` → launch processes and the `web-concurrency` exec.d layer. Layers live
//! in `src/layers/` (the staticfiles layer in `src/django/`); user-facing error text is rendered
//! in `src/errors.rs` or next to the code that fails (`src/django/errors.rs`, `pipenv.rs`,
//! `install_groups.rs`, `web_concurrency.rs`).

mod archive;
mod command;
mod committed_venv;
mod detect;
mod django;
mod download;
mod errors;
mod hooks;
mod install_groups;
mod inventory;
mod layers;
mod node_build;
mod node_inventory;
mod node_tools;
mod node_version;
mod output;
mod package_json;
mod package_manager;
mod pinned_version;
mod pipenv;
mod pipfile;
mod processes;
mod project_toml;
mod python_runtime_check;
mod python_version;
mod requirements_txt;
mod web_concurrency;

use crate::django::DjangoError;
use crate::hooks::{Hook, HookError};
use crate::inventory::InventoryError;
use crate::layers::node_deps::NodeModulesLayerError;
use crate::layers::nodejs::NodejsLayerError;
use crate::layers::python::PythonLayerError;
use crate::layers::tool::{Tool, ToolLayerError};
use crate::layers::venv::VenvLayerError;
use crate::node_tools::NodeToolsError;
use crate::package_manager::{PackageManager, PackageManagerError};
use crate::pinned_version::{PIP_VERSION, PIPENV_VERSION, POETRY_VERSION, UV_VERSION};
use crate::processes::{ProcessSource, ProcfileError};
use crate::python_version::{RequestedVersionError, ResolveError, VersionOrigin};
use indoc::formatdoc;
use libcnb::build::{BuildContext, BuildResult, BuildResultBuilder};
use libcnb::data::build_plan::{BuildPlanBuilder, Require};
use libcnb::data::launch::LaunchBuilder;
use libcnb::data::layer_name;
use libcnb::detect::{DetectContext, DetectResult, DetectResultBuilder};
use libcnb::generic::{GenericMetadata, GenericPlatform};
use libcnb::{Buildpack, Env};
use std::path::Path;
use std::time::Instant;

/// Overrides the base URL of the Python archive host (a mirror serving the same file names).
pub(crate) const MIRROR_ENV_VAR: &str = "BP_PYTHON_MIRROR_URL";

pub(crate) struct PythonBuildpack;

/// Every error the buildpack can report; rendered by [`errors::on_error`].
#[derive(Debug)]
pub(crate) enum BuildpackError {
    Detect(std::io::Error),
    Inventory(InventoryError),
    PackageManager(PackageManagerError),
    RequestedVersion(RequestedVersionError),
    ResolveVersion {
        error: ResolveError,
        origin: VersionOrigin,
        target: String,
    },
    PythonLayer(PythonLayerError),
    ToolLayer(ToolLayerError),
    VenvLayer(VenvLayerError),
    Procfile(ProcfileError),
    Django(DjangoError),
    NodeTools(NodeToolsError),
    NodejsLayer(NodejsLayerError),
    NodeModulesLayer(NodeModulesLayerError),
    Hook(HookError),
    /// The exec.d program for `WEB_CONCURRENCY` couldn't be set up.
    WebConcurrency(std::io::Error),
}

macro_rules! into_libcnb_error {
    ($($error:ty => $variant:ident),* $(,)?) => {
        $(impl From<$error> for libcnb::Error<BuildpackError> {
            fn from(error: $error) -> Self {
                Self::BuildpackError(BuildpackError::$variant(error))
            }
        })*
    };
}
into_libcnb_error!(
    InventoryError => Inventory,
    PackageManagerError => PackageManager,
    RequestedVersionError => RequestedVersion,
    PythonLayerError => PythonLayer,
    ToolLayerError => ToolLayer,
    VenvLayerError => VenvLayer,
    ProcfileError => Procfile,
    DjangoError => Django,
    NodeToolsError => NodeTools,
    NodejsLayerError => NodejsLayer,
    NodeModulesLayerError => NodeModulesLayer,
    HookError => Hook,
);

impl Buildpack for PythonBuildpack {
    type Platform = GenericPlatform;
    type Metadata = GenericMetadata;
    type Error = BuildpackError;

    fn detect(&self, context: DetectContext<Self>) -> libcnb::Result<DetectResult, Self::Error> {
        let found = detect::found_project_files(&context.app_dir)
            .map_err(|error| libcnb::Error::BuildpackError(BuildpackError::Detect(error)))?;
        if found.is_empty() {
            output::info(formatdoc! {"
                No Python project files found in the app's root directory.
                Looked for: {}
                Add one of these (usually requirements.txt) to build this app as a Python app.",
                detect::PYTHON_PROJECT_FILES.join(", ")
            });
            return DetectResultBuilder::fail().build();
        }
        let mut plan = BuildPlanBuilder::new()
            .provides("python")
            .requires("python");
        if context.app_dir.join(package_json::PACKAGE_JSON).is_file() {
            // First choice: an earlier buildpack (e.g. Paketo's node-engine) provides `node`
            // for the build; otherwise this buildpack installs Node.js itself when needed.
            let mut node = Require::new("node");
            node.metadata.insert("build".to_string(), true.into());
            plan = BuildPlanBuilder::new()
                .provides("python")
                .requires("python")
                .requires(node)
                .or()
                .provides("python")
                .requires("python");
        }
        let plan = plan.build();
        DetectResultBuilder::pass().build_plan(plan).build()
    }

    fn build(&self, context: BuildContext<Self>) -> libcnb::Result<BuildResult, Self::Error> {
        let build_started = Instant::now();
        let mut env = command::build_env(&Env::from_current());
        let target = &context.target;

        output::header("Determining the package manager");
        let package_manager = package_manager::apply_pip_installer(
            package_manager::determine(&context.app_dir)?,
            env.get_string_lossy(package_manager::PIP_INSTALLER_ENV_VAR)
                .as_deref(),
        )?;
        output::info(format!(
            "Using {package_manager} (found {})",
            package_manager.file()
        ));
        committed_venv::warn_if_committed(&context.app_dir);

        output::header("Determining the Python version");
        let inventory = inventory::read_inventory(&context.buildpack_dir)?;
        let requested = python_version::read_requested_python(&context.app_dir)?;
        if requested.runtime_txt_present {
            output::warning(
                "runtime.txt is deprecated",
                "Replace runtime.txt with a .python-version file holding just the version, \
                 e.g. 'echo 3.13 > .python-version', then delete runtime.txt.",
            );
        }
        let artifacts = inventory.for_target(target);
        let artifact = python_version::resolve(&requested, &artifacts)
            .map_err(|error| {
                libcnb::Error::BuildpackError(BuildpackError::ResolveVersion {
                    error,
                    origin: requested.origin.clone(),
                    target: format!(
                        "{} {} ({})",
                        target.distro_name, target.distro_version, target.arch
                    ),
                })
            })?
            .clone();
        let python_version = artifact.version.to_string();
        output::info(format!(
            "Using Python {python_version} from {}",
            requested.origin
        ));
        if requested.origin == VersionOrigin::InventoryDefault {
            output::info(format!(
                "Pin it so future builds don't change version: echo {}.{} > .python-version",
                artifact.version.major, artifact.version.minor
            ));
        }

        output::header("Installing Python");
        let mirror = env
            .get_string_lossy(MIRROR_ENV_VAR)
            .filter(|value| !value.trim().is_empty());
        let python_layer =
            layers::python::install_python(&context, &mut env, &artifact, mirror.as_deref())?;

        output::header(format!("Installing {}", package_manager.tool()));
        install_package_manager(
            &context,
            &mut env,
            &python_layer,
            &artifact,
            package_manager,
        )?;

        output::header("Node.js tools");
        let node_tools = node_build::install_node_runtime(&context, &mut env)?;

        hooks::run_hook(Hook::PreCompile, &context.app_dir, &env)?;

        output::header(format!(
            "Installing dependencies with {}",
            package_manager.tool()
        ));
        let venv = layers::venv::install_dependencies(
            &context,
            &mut env,
            &python_version,
            package_manager,
        )?;

        let node_modules = match &node_tools {
            Some(tools) => {
                output::header("Installing Node.js dependencies");
                node_build::install_node_dependencies(&context, &mut env, tools)?
            }
            None => None,
        };

        output::header("Collecting Django static files");
        django::collect_static_files(&context, &env, &venv)?;

        hooks::run_hook(Hook::PostCompile, &context.app_dir, &env)?;
        if let Some(tools) = &node_tools {
            node_build::finish(tools, node_modules.as_ref())?;
        }

        output::header("Setting launch processes");
        let processes = launch_processes(&context.app_dir, &venv)?;
        web_concurrency::add_exec_d_layer(&context)?;
        output::done("Build complete", build_started);

        BuildResultBuilder::new()
            .launch(
                LaunchBuilder::new()
                    .processes(processes::to_processes(&processes))
                    .build(),
            )
            .build()
    }

    fn on_error(&self, error: libcnb::Error<Self::Error>) {
        errors::on_error(error);
    }
}

/// Finds the launch processes (Procfile, or Django's default) and logs where they come from.
fn launch_processes(
    app_dir: &Path,
    venv: &Path,
) -> libcnb::Result<Vec<(String, String)>, BuildpackError> {
    let (source, entries) = processes::find_processes(app_dir, &venv.join("bin"))?;
    match &source {
        ProcessSource::Procfile => output::info(format!(
            "From Procfile: {}",
            entries
                .iter()
                .map(|(name, _)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        ProcessSource::DjangoDefault(module) => output::info(format!(
            "No Procfile; Django with gunicorn found, so the default 'web' process runs 'gunicorn {module}' on $PORT"
        )),
        ProcessSource::None => output::info(
            "No Procfile and no default process: add a Procfile with a line like\n  web: gunicorn myapp.wsgi --bind 0.0.0.0:$PORT",
        ),
    }
    Ok(entries)
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
/// `pip-cache`; uv: `uv` + `uv-cache`; Poetry: `poetry` + `poetry-cache`).
fn install_package_manager(
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
    layers::tool::remove_unused_layers(
        &context.layers_dir,
        layers::tool::PACKAGE_MANAGER_LAYERS,
        used,
    )?;
    match package_manager {
        PackageManager::Pip => {
            let tool = Tool {
                layer: layer_name!("pip"),
                package: "pip",
                version: PIP_VERSION,
                env: PIP_ENV,
                env_defaults: &[],
            };
            layers::tool::install_tool(context, env, python_layer, artifact, &tool)?;
            layers::pip_cache::prepare_pip_cache(context, env, &python_version)
        }
        PackageManager::Uv | PackageManager::UvPip => {
            let tool = Tool {
                layer: layer_name!("uv"),
                package: "uv",
                version: UV_VERSION,
                env: UV_ENV,
                env_defaults: UV_ENV_DEFAULTS,
            };
            layers::tool::install_tool(context, env, python_layer, artifact, &tool)?;
            layers::pip_cache::prepare_cache(
                context,
                env,
                ("Python version", &python_version),
                layer_name!("uv-cache"),
                "UV_CACHE_DIR",
                "uv cache",
            )
            .map(|_| ())
        }
        PackageManager::Poetry => {
            let tool = Tool {
                layer: layer_name!("poetry"),
                package: "poetry",
                version: POETRY_VERSION,
                env: POETRY_ENV,
                env_defaults: &[],
            };
            layers::tool::install_tool(context, env, python_layer, artifact, &tool)?;
            layers::pip_cache::prepare_cache(
                context,
                env,
                ("Python version", &python_version),
                layer_name!("poetry-cache"),
                "POETRY_CACHE_DIR",
                "Poetry cache",
            )
            .map(|_| ())
        }
        PackageManager::Pipenv => {
            let tool = Tool {
                layer: layer_name!("pipenv"),
                package: "pipenv",
                version: PIPENV_VERSION,
                env: pipenv::PIPENV_ENV,
                env_defaults: &[],
            };
            layers::tool::install_tool(context, env, python_layer, artifact, &tool)?;
            layers::pip_cache::prepare_cache(
                context,
                env,
                ("Python version", &python_version),
                layer_name!("pipenv-cache"),
                "PIPENV_CACHE_DIR",
                "Pipenv cache",
            )
            .map(|_| ())
        }
    }
}

/// The buildpack binary is also the launch-time exec.d program that sets `WEB_CONCURRENCY`
/// (see `web_concurrency`), chosen by the name it is started as; otherwise libcnb dispatches
/// on `bin/detect` / `bin/build`.
fn main() {
    if web_concurrency::invoked_as_exec_d(std::env::args_os().next().as_deref()) {
        web_concurrency::exec_d_main();
    } else {
        libcnb::libcnb_runtime(&PythonBuildpack);
    }
}
