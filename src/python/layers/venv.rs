//! The `venv` layer (build + launch + cache): a PEP 405 virtual environment (always made with
//! `python -m venv --without-pip`) holding the app's dependencies, installed by the chosen
//! package manager: `pip install -r requirements.txt`, `uv sync --locked` or `poetry sync`.
//!
//! Reused without running the package manager when the package manager, the dependency
//! fingerprint (pip: requirements.txt and the files it includes; uv/Poetry: the lockfile and
//! pyproject.toml), the Python version and the target are unchanged. It is rebuilt when any of
//! those change, when `BP_REINSTALL_DEPENDENCIES=true`, or when requirements.txt installs from
//! local paths or includes files through a URL or an environment variable (whose contents the
//! fingerprint can't see).
//! Env: `VIRTUAL_ENV` (build and launch), `PIP_PYTHON` (build, so later pip runs target it).

use crate::command::{self, CommandError};
use crate::layers::{changed_fields, keep_unless_changed, runtime_changes};
use crate::output;
use crate::python::REINSTALL_ENV_VAR;
use crate::python::install_groups::{self, INSTALL_GROUPS_ENV_VAR, InstallGroupsError};
use crate::python::package_manager::PackageManager;
use crate::python::requirements_txt::{self, Fingerprint, FingerprintError};
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

/// What a restored venv must hold to be reused (its interpreter links into the `python` layer).
const REQUIRED_PATHS: &[&str] = &["bin/python", "pyvenv.cfg"];

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Serialize)]
#[serde(deny_unknown_fields)]
struct VenvLayerMetadata {
    package_manager: String,
    /// Named `requirements_sha256` before uv and Poetry support; the alias keeps such caches.
    #[serde(alias = "requirements_sha256")]
    dependencies_sha256: String,
    python_version: String,
    arch: String,
    distro_name: String,
    distro_version: String,
    /// `BP_INSTALL_GROUPS` as [`install_groups::describe`] shows it (`none` in caches from
    /// before the variable existed).
    #[serde(default = "no_groups")]
    install_groups: String,
}

fn no_groups() -> String {
    install_groups::describe(&[])
}

/// Errors of the dependencies layer.
#[derive(Debug)]
pub(crate) enum VenvLayerError {
    /// A file of the dependency fingerprint couldn't be read.
    Fingerprint(FingerprintError),
    CreateVenv(CommandError),
    PipInstall(CommandError),
    /// `uv sync --locked` failed (its output is streamed above the error).
    UvSync(CommandError),
    /// `poetry sync` failed (its output is streamed above the error).
    PoetrySync(CommandError),
    /// `uv pip install -r requirements.txt` failed (`BP_PIP_INSTALLER=uv`).
    UvPipInstall(CommandError),
    /// `pipenv install --deploy` failed (its output is streamed above the error).
    PipenvInstall(CommandError),
    /// `BP_INSTALL_GROUPS` is invalid, or names a pip group without its file.
    InstallGroups(InstallGroupsError),
}

/// Creates (or reuses) the venv with the app's dependencies, installed by `package_manager`
/// (whose tool must already be on `env`'s PATH); applies its env to `env` and returns the
/// layer path.
///
/// # Errors
/// [`VenvLayerError`] for an unreadable dependency file or a failing package manager; libcnb
/// errors for layer I/O.
pub(crate) fn install_dependencies(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
    python_version: &str,
    package_manager: PackageManager,
) -> libcnb::Result<PathBuf, BuildpackError> {
    let groups = install_groups::parse(env.get_string_lossy(INSTALL_GROUPS_ENV_VAR).as_deref())
        .map_err(VenvLayerError::InstallGroups)?;
    let group_files = if matches!(package_manager, PackageManager::Pip | PackageManager::UvPip) {
        install_groups::requirements_files(&context.app_dir, &groups)
            .map_err(VenvLayerError::InstallGroups)?
    } else {
        Vec::new()
    };
    if !groups.is_empty() {
        output::info(format!(
            "Installing the dependency groups from {INSTALL_GROUPS_ENV_VAR} too: {}",
            groups.join(", ")
        ));
    }
    let fingerprint = dependencies_fingerprint(&context.app_dir, package_manager, &group_files)
        .map_err(VenvLayerError::Fingerprint)?;
    let force_reinstall = env
        .get_string_lossy(REINSTALL_ENV_VAR)
        .is_some_and(|value| value.eq_ignore_ascii_case("true") || value == "1");
    let metadata = VenvLayerMetadata {
        package_manager: package_manager.name().to_string(),
        dependencies_sha256: fingerprint.sha256.clone(),
        python_version: python_version.to_string(),
        arch: context.target.arch.clone(),
        distro_name: context.target.distro_name.clone(),
        distro_version: context.target.distro_version.clone(),
        install_groups: install_groups::describe(&groups),
    };
    let layer = context.cached_layer(
        layer_name!("venv"),
        CachedLayerDefinition {
            build: true,
            launch: true,
            invalid_metadata_action: &|_| InvalidMetadataAction::DeleteLayer,
            restored_layer_action: &|cached: &VenvLayerMetadata, layer_dir| {
                let reasons = discard_reasons(
                    package_manager,
                    cached,
                    &metadata,
                    &fingerprint,
                    force_reinstall,
                );
                keep_unless_changed(
                    layer_dir,
                    REQUIRED_PATHS,
                    &reasons,
                    "Discarding cached virtual environment",
                )
            },
        },
    )?;
    let venv = layer.path();
    layer.write_env(
        LayerEnv::new()
            .chainable_insert(
                Scope::All,
                ModificationBehavior::Override,
                "VIRTUAL_ENV",
                &venv,
            )
            .chainable_insert(
                Scope::Build,
                ModificationBehavior::Override,
                "PIP_PYTHON",
                &venv,
            ),
    )?;

    match layer.state {
        LayerState::Restored { .. } => {
            output::info(format!(
                "Using cached virtual environment: {inputs}, Python {python_version} and the target \
                 are unchanged, so {package_manager} did not run.\nTo force a reinstall, set \
                 {REINSTALL_ENV_VAR}=true or clear the build cache.",
                inputs = fingerprint_inputs(package_manager)
            ));
        }
        LayerState::Empty { ref cause } => {
            if let EmptyLayerCause::RestoredLayerAction { cause } = cause {
                output::info(cause);
            }
            output::info("Creating virtual environment");
            command::run_captured(
                command::command("python", env)
                    .args(["-m", "venv", "--without-pip"])
                    .arg(&venv)
                    .current_dir(&context.app_dir),
                "python -m venv",
            )
            .map_err(VenvLayerError::CreateVenv)?;
            let started = Instant::now();
            run_package_manager(context, env, &venv, package_manager, &groups)?;
            output::done("Installed dependencies", started);
            layer.write_metadata(metadata.clone())?;
        }
    }
    // Written every build: a restored layer's SBOM must describe what is in it now.
    layer.write_sboms(&[crate::python::sbom::venv_sbom(&venv)])?;
    env.clone_from(&layer.read_env()?.apply(Scope::Build, env));
    Ok(venv)
}

/// Runs the package manager's install into `venv`, streaming its output to the build log.
fn run_package_manager(
    context: &BuildContext<PythonBuildpack>,
    env: &Env,
    venv: &Path,
    package_manager: PackageManager,
    groups: &[String],
) -> Result<(), VenvLayerError> {
    let shown_as = &install_command(package_manager, groups);
    output::info(format!("Running '{shown_as}'"));
    let group_files: Vec<String> = groups
        .iter()
        .map(|group| install_groups::requirements_file(group))
        .collect();
    let requirement_args = std::iter::once("requirements.txt")
        .chain(group_files.iter().map(String::as_str))
        .flat_map(|file| ["--requirement", file]);
    match package_manager {
        PackageManager::Pip => command::run_streamed(
            command::command("pip", env)
                .arg("--python")
                .arg(venv.join("bin").join("python"))
                .args(["install", "--no-input", "--progress-bar", "off"])
                .args(requirement_args)
                .current_dir(&context.app_dir),
            shown_as,
        )
        .map_err(VenvLayerError::PipInstall),
        PackageManager::Uv => command::run_streamed(
            command::command("uv", env)
                .args(["sync", "--locked", "--no-default-groups"])
                .args(groups.iter().flat_map(|group| ["--group", group.as_str()]))
                .args(["--compile-bytecode", "--no-progress", "--color", "never"])
                .env("UV_PROJECT_ENVIRONMENT", venv)
                .env("VIRTUAL_ENV", venv)
                .current_dir(&context.app_dir),
            shown_as,
        )
        .map_err(VenvLayerError::UvSync),
        PackageManager::UvPip => command::run_streamed(
            command::command("uv", env)
                .args(["pip", "install", "--python"])
                .arg(venv.join("bin").join("python"))
                .args(requirement_args)
                .args(["--compile-bytecode", "--no-progress", "--color", "never"])
                .current_dir(&context.app_dir),
            shown_as,
        )
        .map_err(VenvLayerError::UvPipInstall),
        PackageManager::Poetry => command::run_streamed(
            command::command("poetry", env)
                .args(["sync", "--only", &poetry_groups(groups)])
                .args(["--no-interaction", "--compile"])
                .args(["--no-ansi"])
                .env("VIRTUAL_ENV", venv)
                .env("POETRY_VIRTUALENVS_CREATE", "false")
                // No keyring: with no desktop keyring, probing one can hang the build.
                .env("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
                .current_dir(&context.app_dir),
            shown_as,
        )
        .map_err(VenvLayerError::PoetrySync),
        PackageManager::Pipenv => crate::python::pipenv::run_install(
            command::command("pipenv", env)
                .args(["install", "--deploy"])
                .args(crate::python::pipenv::group_args(groups))
                // Pipenv installs into the active virtual environment: ours.
                .env("VIRTUAL_ENV", venv)
                .env_remove("PIPENV_IGNORE_VIRTUALENVS")
                .env_remove("PIPENV_ACTIVE")
                .current_dir(&context.app_dir),
            shown_as,
        )
        .map_err(VenvLayerError::PipenvInstall)
        .map(|()| {
            output::info(format!(
                "Installed: {}",
                crate::python::pipenv::installed_distributions(venv).join(", ")
            ));
        }),
    }
}

/// Poetry's `--only` value: `main` and the extra groups.
fn poetry_groups(groups: &[String]) -> String {
    std::iter::once("main")
        .chain(groups.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(",")
}

/// The install command as shown in the log and in errors, with the extra `groups`.
pub(crate) fn install_command(package_manager: PackageManager, groups: &[String]) -> String {
    let each = |prefix: &str, value: &dyn Fn(&String) -> String| {
        groups
            .iter()
            .map(|group| format!(" {prefix} {}", value(group)))
            .collect::<Vec<_>>()
            .concat()
    };
    let pip_files = || each("-r", &|group| install_groups::requirements_file(group));
    match package_manager {
        PackageManager::Pip => format!("pip install -r requirements.txt{}", pip_files()),
        PackageManager::Uv => format!(
            "uv sync --locked --no-default-groups{}",
            each("--group", &String::clone)
        ),
        PackageManager::Poetry => format!("poetry sync --only {}", poetry_groups(groups)),
        PackageManager::UvPip => format!("uv pip install -r requirements.txt{}", pip_files()),
        PackageManager::Pipenv => std::iter::once("pipenv install --deploy".to_string())
            .chain(crate::python::pipenv::group_args(groups))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The files the dependency fingerprint covers, for people.
fn fingerprint_inputs(package_manager: PackageManager) -> &'static str {
    match package_manager {
        PackageManager::Pip | PackageManager::UvPip => "requirements.txt",
        PackageManager::Uv => "uv.lock, pyproject.toml",
        PackageManager::Poetry => "poetry.lock, pyproject.toml",
        PackageManager::Pipenv => "Pipfile.lock, Pipfile",
    }
}

/// pip: the requirements fingerprint. uv/Poetry: sha256 over the lockfile and pyproject.toml
/// (an edited pyproject.toml must reach `--locked`/`poetry sync`, which check the two agree).
/// For pip, `group_files` (the `BP_INSTALL_GROUPS` requirements files) join the fingerprint.
fn dependencies_fingerprint(
    app_dir: &Path,
    package_manager: PackageManager,
    group_files: &[String],
) -> Result<Fingerprint, FingerprintError> {
    if matches!(package_manager, PackageManager::Pip | PackageManager::UvPip) {
        let mut combined = requirements_txt::fingerprint(&app_dir.join("requirements.txt"))?;
        if group_files.is_empty() {
            return Ok(combined);
        }
        let mut hasher = Sha256::new();
        hasher.update(combined.sha256.as_bytes());
        for file in group_files {
            let group = requirements_txt::fingerprint(&app_dir.join(file))?;
            hasher.update([0]);
            hasher.update(file.as_bytes());
            hasher.update([0]);
            hasher.update(group.sha256.as_bytes());
            combined.local_path_lines.extend(group.local_path_lines);
            combined
                .untracked_include_lines
                .extend(group.untracked_include_lines);
        }
        combined.sha256 = format!("{:x}", hasher.finalize());
        return Ok(combined);
    }
    let companion = if package_manager == PackageManager::Pipenv {
        crate::python::pipenv::PIPFILE
    } else {
        "pyproject.toml"
    };
    let mut hasher = Sha256::new();
    for name in [package_manager.file(), companion] {
        let path = app_dir.join(name);
        let contents = std::fs::read(&path).map_err(|error| FingerprintError { path, error })?;
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(&contents);
        hasher.update([0]);
    }
    Ok(Fingerprint {
        sha256: format!("{:x}", hasher.finalize()),
        local_path_lines: Vec::new(),
        untracked_include_lines: Vec::new(),
    })
}

/// Why a cached venv can't be reused; empty when it can.
fn discard_reasons(
    package_manager: PackageManager,
    cached: &VenvLayerMetadata,
    current: &VenvLayerMetadata,
    fingerprint: &Fingerprint,
    force_reinstall: bool,
) -> Vec<String> {
    let mut reasons = changed_fields(&[(
        "package manager",
        &cached.package_manager,
        &current.package_manager,
    )])
    .into_iter()
    .chain(runtime_changes(
        [
            &cached.python_version,
            &cached.arch,
            &cached.distro_name,
            &cached.distro_version,
        ],
        [
            &current.python_version,
            &current.arch,
            &current.distro_name,
            &current.distro_version,
        ],
    ))
    .collect::<Vec<_>>();
    if cached.install_groups != current.install_groups {
        reasons.push(format!(
            "{INSTALL_GROUPS_ENV_VAR} has changed from {} to {}",
            cached.install_groups, current.install_groups
        ));
    }
    // pip's fingerprint covers the groups' files, so new groups change it: one reason is enough.
    let groups_in_fingerprint =
        matches!(package_manager, PackageManager::Pip | PackageManager::UvPip);
    if cached.package_manager == current.package_manager
        && cached.dependencies_sha256 != current.dependencies_sha256
        && !(groups_in_fingerprint && cached.install_groups != current.install_groups)
    {
        reasons.push(match package_manager {
            PackageManager::Pip | PackageManager::UvPip => {
                "requirements.txt (or a file it includes) has changed".to_string()
            }
            PackageManager::Uv | PackageManager::Poetry => {
                format!("{} or pyproject.toml has changed", package_manager.file())
            }
            PackageManager::Pipenv => "Pipfile.lock or Pipfile has changed".to_string(),
        });
    }
    if !fingerprint.local_path_lines.is_empty() {
        reasons.push(format!(
            "requirements.txt installs from local paths ({}), whose contents aren't tracked",
            fingerprint.local_path_lines.join(", ")
        ));
    }
    if !fingerprint.untracked_include_lines.is_empty() {
        reasons.push(format!(
            "requirements.txt includes files through a URL or an environment variable ({}), \
             whose contents aren't tracked",
            fingerprint
                .untracked_include_lines
                .iter()
                .map(|line| format!("'{line}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if force_reinstall {
        reasons.push(format!("{REINSTALL_ENV_VAR} is set"));
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata() -> VenvLayerMetadata {
        VenvLayerMetadata {
            package_manager: "pip".into(),
            dependencies_sha256: "aa".into(),
            python_version: "3.13.5".into(),
            arch: "amd64".into(),
            distro_name: "debian".into(),
            distro_version: "12".into(),
            install_groups: "none".into(),
        }
    }

    /// A fingerprint whose inputs are all tracked.
    fn tracked() -> Fingerprint {
        Fingerprint {
            sha256: "aa".into(),
            local_path_lines: Vec::new(),
            untracked_include_lines: Vec::new(),
        }
    }

    #[test]
    fn reuse_only_when_everything_matches() {
        assert!(
            discard_reasons(
                PackageManager::Pip,
                &metadata(),
                &metadata(),
                &tracked(),
                false
            )
            .is_empty()
        );
        let changed = VenvLayerMetadata {
            dependencies_sha256: "bb".into(),
            python_version: "3.11.2".into(),
            ..metadata()
        };
        assert_eq!(
            discard_reasons(
                PackageManager::Pip,
                &metadata(),
                &changed,
                &tracked(),
                false
            ),
            [
                "The Python version has changed from 3.13.5 to 3.11.2",
                "requirements.txt (or a file it includes) has changed"
            ]
        );
        assert_eq!(
            discard_reasons(
                PackageManager::Pip,
                &metadata(),
                &metadata(),
                &Fingerprint {
                    local_path_lines: vec!["-e .".to_string()],
                    untracked_include_lines: vec![
                        "-c ${CONSTRAINTS}/c.txt".to_string(),
                        "-r https://example.invalid/r.txt".to_string()
                    ],
                    ..tracked()
                },
                true
            ),
            [
                "requirements.txt installs from local paths (-e .), whose contents aren't tracked",
                "requirements.txt includes files through a URL or an environment variable \
                 ('-c ${CONSTRAINTS}/c.txt', '-r https://example.invalid/r.txt'), whose contents \
                 aren't tracked",
                "BP_REINSTALL_DEPENDENCIES is set"
            ]
        );
    }

    #[test]
    fn changed_groups_are_one_reason() {
        let with_test = VenvLayerMetadata {
            install_groups: "test".into(),
            dependencies_sha256: "bb".into(),
            ..metadata()
        };
        assert_eq!(
            discard_reasons(
                PackageManager::Pip,
                &metadata(),
                &with_test,
                &tracked(),
                false
            ),
            ["BP_INSTALL_GROUPS has changed from none to test"]
        );
        let uv = VenvLayerMetadata {
            package_manager: "uv".into(),
            ..metadata()
        };
        let uv_dev = VenvLayerMetadata {
            install_groups: "dev".into(),
            ..uv.clone()
        };
        assert_eq!(
            discard_reasons(PackageManager::Uv, &uv_dev, &uv, &tracked(), false),
            ["BP_INSTALL_GROUPS has changed from dev to none"]
        );
        assert_eq!(
            install_command(PackageManager::Pip, &["test".into()]),
            "pip install -r requirements.txt -r requirements-test.txt"
        );
        assert_eq!(
            install_command(PackageManager::Uv, &["dev".into(), "test".into()]),
            "uv sync --locked --no-default-groups --group dev --group test"
        );
        assert_eq!(
            install_command(PackageManager::Poetry, &["test".into()]),
            "poetry sync --only main,test"
        );
        assert_eq!(
            install_command(PackageManager::Poetry, &[]),
            "poetry sync --only main"
        );
    }

    #[test]
    fn switching_package_manager_is_one_reason() {
        let uv = VenvLayerMetadata {
            package_manager: "uv".into(),
            dependencies_sha256: "cc".into(),
            ..metadata()
        };
        assert_eq!(
            discard_reasons(PackageManager::Uv, &metadata(), &uv, &tracked(), false),
            ["The package manager has changed from pip to uv"]
        );
        let relocked = VenvLayerMetadata {
            dependencies_sha256: "dd".into(),
            ..uv.clone()
        };
        assert_eq!(
            discard_reasons(PackageManager::Uv, &uv, &relocked, &tracked(), false),
            ["uv.lock or pyproject.toml has changed"]
        );
    }

    #[test]
    fn old_metadata_field_name_is_accepted() {
        let old: VenvLayerMetadata = toml::from_str(
            "package_manager = 'pip'\nrequirements_sha256 = 'aa'\npython_version = '3.13.5'\n\
             arch = 'amd64'\ndistro_name = 'debian'\ndistro_version = '12'\n",
        )
        .unwrap();
        assert_eq!(old, metadata());
    }

    #[test]
    fn lockfile_fingerprint_covers_pyproject() {
        let dir = std::env::temp_dir().join(format!("assetpack-venv-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("uv.lock"), "version = 1\n").unwrap();
        std::fs::write(dir.join("pyproject.toml"), "[project]\n").unwrap();
        let first = dependencies_fingerprint(&dir, PackageManager::Uv, &[]).unwrap();
        std::fs::write(dir.join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
        let second = dependencies_fingerprint(&dir, PackageManager::Uv, &[]).unwrap();
        assert_ne!(first.sha256, second.sha256);
        std::fs::remove_file(dir.join("pyproject.toml")).unwrap();
        let error = dependencies_fingerprint(&dir, PackageManager::Uv, &[]).unwrap_err();
        assert!(error.path.ends_with("pyproject.toml"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
