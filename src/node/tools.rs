//! Node.js tools for asset builds: whether the build needs Node.js, which package manager
//! installs `node_modules`, and the `package.json` build scripts.
//!
//! Node.js is installed when `package.json` has a build script ([`BUILD_SCRIPTS`]) or the app
//! opts in with `BP_NODE_TOOLS=true` (e.g. collectstatic calls a Node compiler);
//! `BP_NODE_TOOLS=false` opts out. A Node.js that an earlier buildpack put on PATH is used
//! instead of installing one. Install commands (<https://docs.npmjs.com/cli/v11/commands/npm-ci>,
//! <https://classic.yarnpkg.com/en/docs/cli/install>, <https://yarnpkg.com/cli/install>,
//! <https://pnpm.io/cli/install>): `npm ci`, `yarn install --frozen-lockfile` (Yarn 1) or
//! `--immutable` (Yarn 2+), `pnpm install --frozen-lockfile`; Yarn and pnpm come from corepack.

use crate::command::{self, CommandError};
use crate::node::package_json::{PackageJson, PackageJsonError};
use crate::node::version::{NodeVersionError, RequestedNode};
use crate::output;
use libcnb::Env;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub(crate) const NODE_TOOLS_ENV_VAR: &str = "BP_NODE_TOOLS";
pub(crate) const NODE_LAUNCH_ENV_VAR: &str = "BP_NODE_LAUNCH";

/// `package.json` scripts the build runs, in this order: `heroku-prebuild` before the
/// dependencies are installed, then `build`, then `heroku-postbuild` (Heroku's Node.js
/// buildpack runs the same ones, so apps move over unchanged).
pub(crate) const BUILD_SCRIPTS: [&str; 3] = ["heroku-prebuild", "build", "heroku-postbuild"];
pub(crate) const PREBUILD_SCRIPT: &str = "heroku-prebuild";

/// Whether this build installs Node.js, and why.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NodeDecision {
    /// Not needed; the reason is for the log.
    Skip(String),
    /// Needed: `scripts` are the build scripts present, in run order.
    Install {
        why: String,
        scripts: Vec<&'static str>,
    },
}

/// The package manager that installs `node_modules`, from the lockfile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodePackageManager {
    Npm,
    Yarn,
    Pnpm,
}

impl fmt::Display for NodePackageManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Npm => "npm",
            Self::Yarn => "yarn",
            Self::Pnpm => "pnpm",
        })
    }
}

/// Lockfiles in the app root and the package manager each belongs to.
pub(crate) const LOCKFILES: [(&str, NodePackageManager); 4] = [
    ("package-lock.json", NodePackageManager::Npm),
    ("npm-shrinkwrap.json", NodePackageManager::Npm),
    ("yarn.lock", NodePackageManager::Yarn),
    ("pnpm-lock.yaml", NodePackageManager::Pnpm),
];

/// What installs `node_modules`: the package manager and its lockfile, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NodeInstaller {
    pub(crate) manager: NodePackageManager,
    pub(crate) lockfile: Option<&'static str>,
}

/// Errors of the Node.js tools step (the layers have their own).
#[derive(Debug)]
pub(crate) enum NodeToolsError {
    /// `BP_NODE_TOOLS` is neither true nor false.
    InvalidToolsFlag(String),
    PackageJson(PackageJsonError),
    Version(NodeVersionError),
    /// No inventory release satisfies the requirement: `(requested, available versions, arch)`.
    NoMatchingVersion(RequestedNode, Vec<String>, String),
    MultipleLockfiles(Vec<&'static str>),
    ReadLockfile(PathBuf, std::io::Error),
    /// The Node.js from an earlier buildpack has no npm/corepack next to it.
    MissingTool {
        tool: &'static str,
        node: PathBuf,
    },
    /// `node --version` failed for the Node.js of an earlier buildpack.
    EarlierNode(CommandError),
    /// `corepack enable` or `yarn --version` failed.
    Corepack(CommandError),
    Install(NodeInstaller, CommandError),
    Script {
        name: String,
        command: String,
        error: CommandError,
    },
}

/// Decides whether Node.js is needed from `BP_NODE_TOOLS` and `package.json`.
///
/// # Errors
/// [`NodeToolsError::InvalidToolsFlag`] for a `BP_NODE_TOOLS` value that isn't a boolean.
pub(crate) fn decide(
    tools_flag: Option<&str>,
    package_json: Option<&PackageJson>,
) -> Result<NodeDecision, NodeToolsError> {
    let setting = tools_flag.map(crate::command::parse_bool_setting);
    let opted_in = match setting {
        None | Some(Ok(None)) => false,
        Some(Ok(Some(true))) => true,
        Some(Ok(Some(false))) => {
            return Ok(NodeDecision::Skip(format!(
                "Skipping Node.js: {NODE_TOOLS_ENV_VAR} is set to false."
            )));
        }
        Some(Err(_)) => {
            let value = tools_flag.unwrap_or_default().trim().to_ascii_lowercase();
            return Err(NodeToolsError::InvalidToolsFlag(value));
        }
    };
    let scripts: Vec<&'static str> = package_json.map_or_else(Vec::new, |package| {
        BUILD_SCRIPTS
            .into_iter()
            .filter(|name| package.scripts.contains_key(*name))
            .collect()
    });
    if !scripts.is_empty() {
        let why = format!("package.json has build scripts: {}", quoted_list(&scripts));
        return Ok(NodeDecision::Install { why, scripts });
    }
    if opted_in {
        return Ok(NodeDecision::Install {
            why: format!("{NODE_TOOLS_ENV_VAR} is set to true"),
            scripts,
        });
    }
    let reason = match package_json {
        None => format!(
            "Skipping Node.js: there is no package.json in the app's root directory. Set \
             {NODE_TOOLS_ENV_VAR}=true if collectstatic or a build hook needs node."
        ),
        Some(_) => format!(
            "Skipping Node.js: package.json has no build script ({}), so nothing needs it. \
             Set {NODE_TOOLS_ENV_VAR}=true if collectstatic or a build hook needs node or \
             node_modules.",
            quoted_list(&BUILD_SCRIPTS)
        ),
    };
    Ok(NodeDecision::Skip(reason))
}

fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("'{name}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Finds the lockfile and so the package manager; without a lockfile, the `packageManager`
/// field (`yarn@…`, `pnpm@…`) or npm.
///
/// # Errors
/// [`NodeToolsError::MultipleLockfiles`] when lockfiles of different package managers exist.
pub(crate) fn find_installer(
    app_dir: &Path,
    package_json: Option<&PackageJson>,
) -> Result<NodeInstaller, NodeToolsError> {
    let found: Vec<(&'static str, NodePackageManager)> = LOCKFILES
        .into_iter()
        .filter(|(name, _)| app_dir.join(name).is_file())
        .collect();
    match found.as_slice() {
        [] => {
            let declared = package_json
                .and_then(|package| package.package_manager.as_deref())
                .unwrap_or_default();
            let manager = if declared.starts_with("yarn@") {
                NodePackageManager::Yarn
            } else if declared.starts_with("pnpm@") {
                NodePackageManager::Pnpm
            } else {
                NodePackageManager::Npm
            };
            Ok(NodeInstaller {
                manager,
                lockfile: None,
            })
        }
        [(name, manager)] => Ok(NodeInstaller {
            manager: *manager,
            lockfile: Some(name),
        }),
        // npm reads npm-shrinkwrap.json rather than package-lock.json when both exist.
        [
            ("package-lock.json", NodePackageManager::Npm),
            (shrinkwrap @ "npm-shrinkwrap.json", NodePackageManager::Npm),
        ] => Ok(NodeInstaller {
            manager: NodePackageManager::Npm,
            lockfile: Some(shrinkwrap),
        }),
        _ => Err(NodeToolsError::MultipleLockfiles(
            found.iter().map(|(name, _)| *name).collect(),
        )),
    }
}

/// Finds `program` on the `PATH` of `env`.
pub(crate) fn find_on_path(env: &Env, program: &str) -> Option<PathBuf> {
    let path = env.get("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|metadata| metadata.is_file() && is_executable(&metadata))
        })
}

fn is_executable(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o111 != 0
}

/// True when `node` lives in another buildpack's layer (a sibling of `layers_dir`), i.e. an
/// earlier buildpack provides Node.js. A `node` from the build image (`/usr/bin/node`) doesn't
/// count: its version isn't the app's to choose.
pub(crate) fn is_from_earlier_buildpack(node: &Path, layers_dir: &Path) -> bool {
    let Some(all_layers) = layers_dir.parent() else {
        return false;
    };
    node.starts_with(all_layers) && !node.starts_with(layers_dir)
}

/// The command that installs `node_modules`. `yarn_major` is Yarn's major version (only used
/// for Yarn).
pub(crate) fn install_command(installer: NodeInstaller, yarn_major: u64) -> Vec<&'static str> {
    match (installer.manager, installer.lockfile.is_some()) {
        // Build tools are usually devDependencies: keep them even with NODE_ENV=production.
        (NodePackageManager::Npm, true) => vec!["npm", "ci", "--include=dev"],
        (NodePackageManager::Npm, false) => vec!["npm", "install", "--include=dev"],
        (NodePackageManager::Yarn, true) if yarn_major <= 1 => {
            vec!["yarn", "install", "--frozen-lockfile", "--production=false"]
        }
        (NodePackageManager::Yarn, true) => vec!["yarn", "install", "--immutable"],
        (NodePackageManager::Yarn, false) => vec!["yarn", "install"],
        (NodePackageManager::Pnpm, true) => vec!["pnpm", "install", "--frozen-lockfile"],
        (NodePackageManager::Pnpm, false) => vec!["pnpm", "install"],
    }
}

/// Runs the `package.json` scripts `names` (those present) with the package manager, in the
/// app directory, output streamed; logs each with its duration.
///
/// # Errors
/// [`NodeToolsError::Script`] naming the script that failed.
pub(crate) fn run_scripts(
    env: &Env,
    app_dir: &Path,
    manager: NodePackageManager,
    package_json: &PackageJson,
    names: &[&str],
) -> Result<(), NodeToolsError> {
    for name in names {
        let Some(script) = package_json.scripts.get(*name) else {
            continue;
        };
        let shown = format!("{manager} run {name}");
        output::info(format!("Running '{shown}': {script}"));
        let started = Instant::now();
        command::run_streamed(
            command::command(manager.to_string(), env)
                .args(["run", name])
                .current_dir(app_dir),
            &shown,
        )
        .map_err(|error| NodeToolsError::Script {
            name: (*name).to_string(),
            command: script.clone(),
            error,
        })?;
        output::done(&format!("Script '{name}' done"), started);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::package_json::parse;

    #[test]
    fn installs_node_for_build_scripts_or_the_opt_in() {
        let build = parse(r#"{"scripts": {"heroku-postbuild": "x", "build": "y"}}"#).unwrap();
        assert_eq!(
            decide(None, Some(&build)).unwrap(),
            NodeDecision::Install {
                why: "package.json has build scripts: 'build', 'heroku-postbuild'".into(),
                scripts: vec!["build", "heroku-postbuild"],
            }
        );
        let lint_only =
            parse(r#"{"scripts": {"lint": "eslint ."}, "devDependencies": {"eslint": "9"}}"#)
                .unwrap();
        let NodeDecision::Skip(reason) = decide(None, Some(&lint_only)).unwrap() else {
            panic!("lint-only package.json must not install Node.js");
        };
        assert!(
            reason.contains("package.json has no build script"),
            "{reason}"
        );
        assert!(matches!(
            decide(Some("true"), Some(&lint_only)).unwrap(),
            NodeDecision::Install { ref scripts, .. } if scripts.is_empty()
        ));
        assert!(matches!(
            decide(Some("TRUE"), None).unwrap(),
            NodeDecision::Install { .. }
        ));
        assert!(matches!(
            decide(Some("false"), Some(&build)).unwrap(),
            NodeDecision::Skip(_)
        ));
        assert!(
            matches!(decide(None, None).unwrap(), NodeDecision::Skip(reason) if reason.contains("no package.json"))
        );
        assert!(matches!(
            decide(Some("maybe"), None),
            Err(NodeToolsError::InvalidToolsFlag(value)) if value == "maybe"
        ));
    }

    #[test]
    fn finds_the_package_manager_from_the_lockfile() {
        let dir = std::env::temp_dir().join(format!("assetpack-lockfiles-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let pnpm_declared = parse(r#"{"packageManager": "pnpm@9.15.0"}"#).unwrap();
        assert_eq!(
            find_installer(&dir, Some(&pnpm_declared)).unwrap(),
            NodeInstaller {
                manager: NodePackageManager::Pnpm,
                lockfile: None
            }
        );
        std::fs::write(dir.join("package-lock.json"), "{}").unwrap();
        assert_eq!(
            find_installer(&dir, None).unwrap(),
            NodeInstaller {
                manager: NodePackageManager::Npm,
                lockfile: Some("package-lock.json")
            }
        );
        std::fs::write(dir.join("npm-shrinkwrap.json"), "{}").unwrap();
        assert_eq!(
            find_installer(&dir, None).unwrap().lockfile,
            Some("npm-shrinkwrap.json")
        );
        std::fs::write(dir.join("yarn.lock"), "").unwrap();
        assert!(matches!(
            find_installer(&dir, None),
            Err(NodeToolsError::MultipleLockfiles(names)) if names.len() == 3
        ));
        std::fs::remove_file(dir.join("package-lock.json")).unwrap();
        std::fs::remove_file(dir.join("npm-shrinkwrap.json")).unwrap();
        assert_eq!(
            find_installer(&dir, None).unwrap().manager,
            NodePackageManager::Yarn
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn install_commands() {
        let npm = NodeInstaller {
            manager: NodePackageManager::Npm,
            lockfile: Some("package-lock.json"),
        };
        assert_eq!(install_command(npm, 0), ["npm", "ci", "--include=dev"]);
        let yarn = NodeInstaller {
            manager: NodePackageManager::Yarn,
            lockfile: Some("yarn.lock"),
        };
        assert_eq!(install_command(yarn, 1)[2], "--frozen-lockfile");
        assert_eq!(install_command(yarn, 4)[2], "--immutable");
    }

    #[test]
    fn node_from_an_earlier_buildpack() {
        let ours = Path::new("/layers/assetpack_python");
        assert!(is_from_earlier_buildpack(
            Path::new("/layers/paketo-buildpacks_node-engine/node/bin/node"),
            ours
        ));
        assert!(!is_from_earlier_buildpack(Path::new("/usr/bin/node"), ours));
        assert!(!is_from_earlier_buildpack(
            Path::new("/layers/assetpack_python/nodejs/bin/node"),
            ours
        ));
    }
}
