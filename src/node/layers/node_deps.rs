//! The `node-deps` layer (build + cache; launch only with `BP_NODE_LAUNCH=true`), which holds
//! the app's `node_modules/`. The layer isn't named
//! `node_modules`: Node's resolver skips ancestor directories of that name, so packages in
//! `node_modules/node_modules/` wouldn't find each other.
//!
//! The package manager installs into the app's own `node_modules` directory (npm replaces a
//! symlinked `node_modules` with a real directory), which is then moved into the layer and
//! replaced by a symlink to it, so build scripts, collectstatic and hooks see
//! `<app>/node_modules` as usual while the launch image doesn't contain it. When the lockfile,
//! the dependency fields of `package.json`, the package manager, the Node.js version and the
//! target arch are unchanged, the cached layer is linked in and the install is skipped. Without
//! a lockfile, the install runs on every build. `<layer>/node_modules/.bin` is on PATH (build).

use crate::command;
use crate::layers::{changed_fields, keep_unless_changed};
use crate::node::package_json::PackageJson;
use crate::node::tools::{self, NodeInstaller, NodePackageManager, NodeToolsError};
use crate::output;
use crate::{BuildpackError, PythonBuildpack};
use libcnb::Env;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{CachedLayerDefinition, EmptyLayerCause, InvalidMetadataAction, LayerState};
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Instant;

const NODE_MODULES: &str = "node_modules";

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Serialize)]
#[serde(deny_unknown_fields)]
struct NodeModulesLayerMetadata {
    package_manager: String,
    lockfile_sha256: String,
    dependencies_sha256: String,
    node_version: String,
    arch: String,
}

/// Errors of the `node-deps` layer (it holds `node_modules`).
#[derive(Debug)]
pub(crate) enum NodeModulesLayerError {
    /// Moving, copying or linking `node_modules` failed: `(what was being done, error)`.
    Io(String, std::io::Error),
}

/// What the rest of the build needs to know about the installed `node_modules`.
pub(crate) struct NodeModules {
    /// `<app>/node_modules`, a symlink into the layer.
    pub(crate) app_link: PathBuf,
    pub(crate) launch: bool,
}

/// Installs (or reuses) `node_modules` with `installer`, linking it into the app directory and
/// putting its `.bin` on PATH in `env`.
///
/// # Errors
/// [`NodeToolsError::Install`] when the package manager fails (e.g. a lockfile out of sync),
/// [`NodeModulesLayerError`] for file operations; libcnb errors for layer I/O.
pub(crate) fn install_node_modules(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
    installer: NodeInstaller,
    package_json: &PackageJson,
    node_version: &str,
    launch: bool,
) -> libcnb::Result<NodeModules, BuildpackError> {
    let app_dir = &context.app_dir;
    let lockfile_sha256 = match installer.lockfile {
        Some(name) => {
            let path = app_dir.join(name);
            let contents = std::fs::read(&path)
                .map_err(|error| NodeToolsError::ReadLockfile(path.clone(), error))?;
            format!("{:x}", Sha256::digest(contents))
        }
        None => String::new(),
    };
    let metadata = NodeModulesLayerMetadata {
        package_manager: installer.manager.to_string(),
        lockfile_sha256,
        dependencies_sha256: package_json.dependencies_sha256.clone(),
        node_version: node_version.to_string(),
        arch: context.target.arch.clone(),
    };
    let layer = context.cached_layer(
        layer_name!("node-deps"),
        CachedLayerDefinition {
            build: true,
            launch,
            invalid_metadata_action: &|_| InvalidMetadataAction::DeleteLayer,
            restored_layer_action: &|cached: &NodeModulesLayerMetadata, layer_dir| {
                let reasons = discard_reasons(cached, &metadata, installer.lockfile);
                keep_unless_changed(
                    layer_dir,
                    &[NODE_MODULES],
                    &reasons,
                    "Discarding cached node_modules",
                )
            },
        },
    )?;
    let layer_modules = layer.path().join(NODE_MODULES);
    let app_link = app_dir.join(NODE_MODULES);
    remove_app_node_modules(&app_link)?;
    match layer.state {
        LayerState::Restored { .. } => output::info(format!(
            "Using cached node_modules: {} skipped (same {}, package.json dependencies, \
             Node.js version and target as the last build)",
            tools::install_command(installer, 0)[..2].join(" "),
            installer.lockfile.unwrap_or("lockfile")
        )),
        LayerState::Empty { ref cause } => {
            match cause {
                EmptyLayerCause::RestoredLayerAction { cause } => output::info(cause),
                EmptyLayerCause::InvalidMetadataAction { .. } => output::info(
                    "Discarding cached node_modules since its layer metadata can't be parsed",
                ),
                EmptyLayerCause::NewlyCreated => {}
            }
            if installer.lockfile.is_none() {
                output::info(format!(
                    "No lockfile (package-lock.json, yarn.lock or pnpm-lock.yaml), so \
                     node_modules is installed afresh on every build. Commit the lockfile {} writes \
                     for reproducible, cached installs.",
                    installer.manager
                ));
            }
            run_install(env, app_dir, installer)?;
            if app_link.is_dir() {
                move_dir(&app_link, &layer_modules)?;
            } else {
                // Yarn Plug'n'Play writes no node_modules.
                std::fs::create_dir_all(&layer_modules).map_err(|error| {
                    NodeModulesLayerError::Io(
                        format!("creating {}", layer_modules.display()),
                        error,
                    )
                })?;
            }
            layer.write_metadata(metadata.clone())?;
        }
    }
    std::os::unix::fs::symlink(&layer_modules, &app_link).map_err(|error| {
        NodeModulesLayerError::Io(
            format!(
                "linking {} to {}",
                app_link.display(),
                layer_modules.display()
            ),
            error,
        )
    })?;
    layer.write_env(LayerEnv::new().chainable_insert(
        Scope::Build,
        ModificationBehavior::Prepend,
        "PATH",
        format!("{}:", layer_modules.join(".bin").display()),
    ))?;
    env.clone_from(&layer.read_env()?.apply(Scope::Build, env));
    Ok(NodeModules { app_link, launch })
}

fn discard_reasons(
    cached: &NodeModulesLayerMetadata,
    current: &NodeModulesLayerMetadata,
    lockfile: Option<&str>,
) -> Vec<String> {
    let mut reasons = changed_fields(&[
        (
            "package manager",
            &cached.package_manager,
            &current.package_manager,
        ),
        (
            "Node.js version",
            &cached.node_version,
            &current.node_version,
        ),
        ("target architecture", &cached.arch, &current.arch),
    ]);
    match lockfile {
        None => reasons.push("There is no lockfile".to_string()),
        Some(name) if cached.lockfile_sha256 != current.lockfile_sha256 => {
            reasons.push(format!("{name} has changed"));
        }
        Some(_) => {}
    }
    if cached.dependencies_sha256 != current.dependencies_sha256 {
        reasons.push("The dependencies in package.json have changed".to_string());
    }
    reasons
}

/// Runs the install command in the app directory (corepack provides Yarn and pnpm).
fn run_install(env: &Env, app_dir: &Path, installer: NodeInstaller) -> Result<(), NodeToolsError> {
    let yarn_major = if installer.manager == NodePackageManager::Yarn {
        yarn_major_version(env, app_dir)?
    } else {
        0
    };
    let args = tools::install_command(installer, yarn_major);
    let shown = args.join(" ");
    output::info(format!("Running '{shown}'"));
    let started = Instant::now();
    command::run_streamed(
        command::command(args[0], env)
            .args(&args[1..])
            .current_dir(app_dir),
        &shown,
    )
    .map_err(|error| NodeToolsError::Install(installer, error))?;
    output::done("Installed node_modules", started);
    Ok(())
}

/// Yarn's major version, via corepack (`packageManager` decides; Yarn 1 otherwise).
fn yarn_major_version(env: &Env, app_dir: &Path) -> Result<u64, NodeToolsError> {
    let output = command::run_captured(
        command::command("yarn", env)
            .arg("--version")
            .current_dir(app_dir),
        "yarn --version",
    )
    .map_err(NodeToolsError::Corepack)?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .trim()
        .split('.')
        .next()
        .and_then(|major| major.parse().ok())
        .unwrap_or(1))
}

/// Removes `<app>/node_modules` before linking the layer in: a directory that came with the
/// app source (logged; the lockfile decides what is installed) or an earlier link.
fn remove_app_node_modules(app_link: &Path) -> Result<(), NodeModulesLayerError> {
    let Ok(metadata) = std::fs::symlink_metadata(app_link) else {
        return Ok(());
    };
    let result = if metadata.is_dir() {
        output::info(
            "Removing the node_modules directory that came with the app source: the build \
             installs node_modules from package.json and the lockfile (add node_modules to \
             .dockerignore / project.toml excludes to skip uploading it).",
        );
        std::fs::remove_dir_all(app_link)
    } else {
        std::fs::remove_file(app_link)
    };
    result.map_err(|error| {
        NodeModulesLayerError::Io(format!("removing {}", app_link.display()), error)
    })
}

/// Moves `from` to `to`: a rename when both are on one filesystem, else a copy that keeps
/// symlinks (e.g. `node_modules/.bin/*`) and permissions, then a delete.
fn move_dir(from: &Path, to: &Path) -> Result<(), NodeModulesLayerError> {
    let io = |what: &str, error| {
        NodeModulesLayerError::Io(
            format!("{what} {} to {}", from.display(), to.display()),
            error,
        )
    };
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::CrossesDevices => {
            copy_tree(from, to).map_err(|error| io("copying", error))?;
            std::fs::remove_dir_all(from).map_err(|error| io("removing after copying", error))
        }
        Err(error) => Err(io("moving", error)),
    }
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    std::fs::set_permissions(to, std::fs::metadata(from)?.permissions())?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let file_type = entry.file_type()?;
        if file_type.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &target)?;
        } else if file_type.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// At the end of the build: removes the `<app>/node_modules` link unless `node_modules` is
/// in the launch image, so the image has no dangling link.
///
/// # Errors
/// [`NodeModulesLayerError::Io`] when the link can't be removed.
pub(crate) fn unlink_from_app(node_modules: &NodeModules) -> Result<(), NodeModulesLayerError> {
    if node_modules.launch {
        return Ok(());
    }
    std::fs::remove_file(&node_modules.app_link).map_err(|error| {
        NodeModulesLayerError::Io(
            format!("removing the link {}", node_modules.app_link.display()),
            error,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata() -> NodeModulesLayerMetadata {
        NodeModulesLayerMetadata {
            package_manager: "npm".into(),
            lockfile_sha256: "aa".into(),
            dependencies_sha256: "bb".into(),
            node_version: "24.21.0".into(),
            arch: "amd64".into(),
        }
    }

    #[test]
    fn reuse_needs_the_same_lockfile_dependencies_and_node() {
        let lockfile = Some("package-lock.json");
        assert!(discard_reasons(&metadata(), &metadata(), lockfile).is_empty());
        let changed = NodeModulesLayerMetadata {
            lockfile_sha256: "cc".into(),
            node_version: "22.23.3".into(),
            ..metadata()
        };
        assert_eq!(
            discard_reasons(&metadata(), &changed, lockfile),
            [
                "The Node.js version has changed from 24.21.0 to 22.23.3",
                "package-lock.json has changed"
            ]
        );
        assert_eq!(
            discard_reasons(&metadata(), &metadata(), None),
            ["There is no lockfile"]
        );
    }

    #[test]
    fn copy_keeps_symlinks_and_modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("assetpack-copytree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let from = dir.join("from");
        std::fs::create_dir_all(from.join("esbuild/bin")).unwrap();
        std::fs::create_dir_all(from.join(".bin")).unwrap();
        std::fs::write(from.join("esbuild/bin/esbuild"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(
            from.join("esbuild/bin/esbuild"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        std::os::unix::fs::symlink("../esbuild/bin/esbuild", from.join(".bin/esbuild")).unwrap();
        copy_tree(&from, &dir.join("to")).unwrap();
        let link = dir.join("to/.bin/esbuild");
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            Path::new("../esbuild/bin/esbuild")
        );
        assert_eq!(
            std::fs::metadata(&link).unwrap().permissions().mode() & 0o777,
            0o755
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
