//! The Node.js steps of the build, called from `build()` in order:
//! [`install_node_runtime`] (decide, then the `nodejs` and `npm-cache` layers),
//! [`install_node_dependencies`] (`heroku-prebuild`, the `node_modules` layer, then the
//! `build` and `heroku-postbuild` scripts), and [`finish`] (unlink `node_modules` from the
//! app unless it is launched).

use crate::command::{self, env_flag};
use crate::node::inventory::{self, NODE_MIRROR_ENV_VAR};
use crate::node::layers;
use crate::node::layers::node_deps::{NodeModules, NodeModulesLayerError};
use crate::node::package_json::{self, PackageJson};
use crate::node::tools::{
    self, NODE_LAUNCH_ENV_VAR, NODE_TOOLS_ENV_VAR, NodeDecision, NodeInstaller, NodePackageManager,
    NodeToolsError, PREBUILD_SCRIPT,
};
use crate::node::version;
use crate::output;
use crate::{BuildpackError, PythonBuildpack};
use libcnb::Env;
use libcnb::build::BuildContext;
use std::path::Path;

/// The Node.js layers, for removal when a build no longer needs Node.js.
pub(crate) const NODE_LAYERS: &[&str] = &["nodejs", "node-deps", "npm-cache"];

/// Node.js is available for the rest of the build.
pub(crate) struct NodeTools {
    /// `None` when Node.js was requested (`BP_NODE_TOOLS=true`) without a package.json.
    pub(crate) package_json: Option<PackageJson>,
    pub(crate) scripts: Vec<&'static str>,
    pub(crate) installer: NodeInstaller,
    /// `X.Y.Z`.
    pub(crate) node_version: String,
    pub(crate) launch: bool,
}

/// Decides whether the build needs Node.js and, if so, installs it (or uses the one an
/// earlier buildpack provides) and prepares the package manager cache; `env` gets node, npm
/// (and Yarn/pnpm shims from corepack) on PATH. `None` when Node.js isn't needed; its
/// cached layers from earlier builds are then removed.
///
/// # Errors
/// [`NodeToolsError`] (package.json, version, lockfiles), Node.js inventory and download
/// errors; libcnb errors for layer I/O.
pub(crate) fn install_node_runtime(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
) -> libcnb::Result<Option<NodeTools>, BuildpackError> {
    let package_json = package_json::read(&context.app_dir).map_err(NodeToolsError::PackageJson)?;
    let tools_flag = env.get_string_lossy(NODE_TOOLS_ENV_VAR);
    let scripts = match tools::decide(tools_flag.as_deref(), package_json.as_ref())? {
        NodeDecision::Skip(reason) => {
            output::info(reason);
            crate::layers::remove_unused_layers(&context.layers_dir, NODE_LAYERS, &[])?;
            return Ok(None);
        }
        NodeDecision::Install { why, scripts } => {
            output::info(format!("Node.js is needed: {why}"));
            scripts
        }
    };
    let installer = tools::find_installer(&context.app_dir, package_json.as_ref())?;
    let launch = env_flag(env, NODE_LAUNCH_ENV_VAR);

    let earlier = tools::find_on_path(env, "node")
        .filter(|node| tools::is_from_earlier_buildpack(node, &context.layers_dir));
    let node_version = if let Some(node) = earlier {
        let version = node_version_of(env, &node)?;
        output::info(format!(
            "Using Node.js {version} from an earlier buildpack ({})",
            node.display()
        ));
        if launch {
            output::info(format!(
                "{NODE_LAUNCH_ENV_VAR} has no effect on that Node.js: the buildpack that \
                 installed it decides whether it is in the launch image."
            ));
        }
        if tools::find_on_path(env, "npm").is_none() {
            Err(NodeToolsError::MissingTool { tool: "npm", node })?;
        }
        crate::layers::remove_unused_layers(&context.layers_dir, &["nodejs"], &[])?;
        version
    } else {
        let inventory = inventory::read_node_inventory(&context.buildpack_dir)?;
        let requested = version::read_requested_node(
            &context.app_dir,
            package_json
                .as_ref()
                .and_then(|package| package.engines_node.as_deref()),
        )
        .map_err(NodeToolsError::Version)?;
        let artifacts = inventory.for_arch(&context.target.arch);
        let Some(artifact) = version::resolve(&requested.requirement, &artifacts) else {
            Err(NodeToolsError::NoMatchingVersion(
                requested,
                artifacts.iter().map(|a| a.version.to_string()).collect(),
                context.target.arch.clone(),
            ))?
        };
        let origin = if requested.written.is_empty() {
            requested.origin.to_string()
        } else {
            format!("{} ({})", requested.origin, requested.written)
        };
        output::info(format!("Using Node.js {} from {origin}", artifact.version));
        let mirror = env
            .get_string_lossy(NODE_MIRROR_ENV_VAR)
            .filter(|value| !value.trim().is_empty());
        let artifact = artifact.clone();
        layers::nodejs::install_nodejs(context, env, &artifact, mirror.as_deref(), launch)?;
        artifact.version.to_string()
    };
    let major = node_version
        .split('.')
        .next()
        .unwrap_or_default()
        .to_string();
    let npm_cache = layers::npm_cache::prepare_npm_cache(context, env, &major, installer.manager)?;
    if installer.manager != NodePackageManager::Npm {
        enable_corepack(env, &npm_cache, installer)?;
    }
    Ok(Some(NodeTools {
        package_json,
        scripts,
        installer,
        node_version,
        launch,
    }))
}

fn node_version_of(env: &Env, node: &Path) -> Result<String, NodeToolsError> {
    let output = command::run_captured(
        command::command(node, env).arg("--version"),
        "node --version",
    )
    .map_err(NodeToolsError::EarlierNode)?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .trim()
        .trim_start_matches('v')
        .to_string())
}

/// Puts corepack's `yarn` and `pnpm` shims in `<npm-cache>/corepack-bin` and on PATH.
fn enable_corepack(
    env: &mut Env,
    npm_cache: &Path,
    installer: NodeInstaller,
) -> libcnb::Result<(), BuildpackError> {
    let Some(corepack) = tools::find_on_path(env, "corepack") else {
        let node = tools::find_on_path(env, "node").unwrap_or_default();
        Err(NodeToolsError::MissingTool {
            tool: "corepack",
            node,
        })?
    };
    let shims = npm_cache.join("corepack-bin");
    std::fs::create_dir_all(&shims).map_err(|error| {
        NodeModulesLayerError::Io(format!("creating {}", shims.display()), error)
    })?;
    let shown = format!("corepack enable {}", installer.manager);
    output::info(format!(
        "Running '{shown}' (corepack provides {})",
        installer.manager
    ));
    command::run_captured(
        command::command(&corepack, env)
            .arg("enable")
            .arg("--install-directory")
            .arg(&shims)
            .arg(installer.manager.to_string()),
        &shown,
    )
    .map_err(NodeToolsError::Corepack)?;
    let path = env.get("PATH").cloned().unwrap_or_default();
    let mut joined = shims.into_os_string();
    joined.push(":");
    joined.push(path);
    env.insert("PATH", joined);
    Ok(())
}

/// Runs `heroku-prebuild`, installs (or reuses) `node_modules`, then runs the other build
/// scripts. `env` gets `node_modules/.bin` on PATH. `None` without a package.json.
///
/// # Errors
/// [`NodeToolsError`] for install or script failures; layer errors.
pub(crate) fn install_node_dependencies(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
    tools: &NodeTools,
) -> libcnb::Result<Option<NodeModules>, BuildpackError> {
    let Some(package_json) = &tools.package_json else {
        output::info("No package.json, so there are no Node.js dependencies to install");
        crate::layers::remove_unused_layers(&context.layers_dir, &["node-deps"], &[])?;
        return Ok(None);
    };
    let manager = tools.installer.manager;
    tools::run_scripts(
        env,
        &context.app_dir,
        manager,
        package_json,
        &[PREBUILD_SCRIPT],
    )?;
    let node_modules = layers::node_deps::install_node_modules(
        context,
        env,
        tools.installer,
        package_json,
        &tools.node_version,
        tools.launch,
    )?;
    let later: Vec<&str> = tools
        .scripts
        .iter()
        .copied()
        .filter(|name| *name != PREBUILD_SCRIPT)
        .collect();
    if !later.is_empty() {
        output::header("Running package.json build scripts");
        tools::run_scripts(env, &context.app_dir, manager, package_json, &later)?;
    }
    Ok(Some(node_modules))
}

/// Ends the Node.js part of the build: logs what the launch image gets.
///
/// # Errors
/// [`crate::node::layers::node_deps::NodeModulesLayerError`] when the link can't be removed.
pub(crate) fn finish(
    tools: &NodeTools,
    node_modules: Option<&NodeModules>,
) -> libcnb::Result<(), BuildpackError> {
    if let Some(node_modules) = node_modules {
        layers::node_deps::unlink_from_app(node_modules)?;
    }
    if tools.launch {
        output::info(format!(
            "{NODE_LAUNCH_ENV_VAR} is set: Node.js and node_modules are in the launch image"
        ));
    } else {
        output::info(format!(
            "Node.js and node_modules were used for the build only and aren't in the launch \
             image (set {NODE_LAUNCH_ENV_VAR}=true to keep them)"
        ));
    }
    Ok(())
}
