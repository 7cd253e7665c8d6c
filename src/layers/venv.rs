//! The `venv` layer (build + launch + cache): a PEP 405 virtual environment holding the app's
//! dependencies, made with `pip install -r requirements.txt`.
//!
//! Reused without running pip when the requirements fingerprint (requirements.txt and the
//! files it includes), the Python version and the target are unchanged. It is rebuilt when
//! any of those change, when `BP_REINSTALL_DEPENDENCIES=true`, or when requirements.txt
//! installs from local paths (whose contents the fingerprint can't see).
//! Env: `VIRTUAL_ENV` (build and launch), `PIP_PYTHON` (build, so later pip runs target it).

use crate::command::{self, CommandError};
use crate::layers::{bullet_list, changed_fields};
use crate::output;
use crate::requirements_txt::{self, FingerprintError};
use crate::{BuildpackError, PythonBuildpack};
use libcnb::Env;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{
    CachedLayerDefinition, EmptyLayerCause, InvalidMetadataAction, LayerState, RestoredLayerAction,
};
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;

/// Setting this to `true` reinstalls dependencies even when the cache key is unchanged.
pub(crate) const REINSTALL_ENV_VAR: &str = "BP_REINSTALL_DEPENDENCIES";

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Serialize)]
#[serde(deny_unknown_fields)]
struct VenvLayerMetadata {
    package_manager: String,
    requirements_sha256: String,
    python_version: String,
    arch: String,
    distro_name: String,
    distro_version: String,
}

/// Errors of the dependencies layer.
#[derive(Debug)]
pub(crate) enum VenvLayerError {
    /// The app has no requirements.txt.
    NoRequirementsFile,
    Fingerprint(FingerprintError),
    CreateVenv(CommandError),
    PipInstall(CommandError),
}

/// Creates (or reuses) the venv with the app's dependencies; applies its env to `env` and
/// returns the layer path.
///
/// # Errors
/// [`VenvLayerError`] for a missing/unreadable requirements file or a failing pip; libcnb
/// errors for layer I/O.
pub(crate) fn install_dependencies(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
    python_version: &str,
) -> libcnb::Result<PathBuf, BuildpackError> {
    let requirements_file = context.app_dir.join("requirements.txt");
    if !requirements_file.exists() {
        Err(VenvLayerError::NoRequirementsFile)?;
    }
    let fingerprint =
        requirements_txt::fingerprint(&requirements_file).map_err(VenvLayerError::Fingerprint)?;
    let force_reinstall = env
        .get_string_lossy(REINSTALL_ENV_VAR)
        .is_some_and(|value| value.eq_ignore_ascii_case("true") || value == "1");
    let metadata = VenvLayerMetadata {
        package_manager: "pip".to_string(),
        requirements_sha256: fingerprint.sha256.clone(),
        python_version: python_version.to_string(),
        arch: context.target.arch.clone(),
        distro_name: context.target.distro_name.clone(),
        distro_version: context.target.distro_version.clone(),
    };
    let layer = context.cached_layer(
        layer_name!("venv"),
        CachedLayerDefinition {
            build: true,
            launch: true,
            invalid_metadata_action: &|_| InvalidMetadataAction::DeleteLayer,
            restored_layer_action: &|cached: &VenvLayerMetadata, _| {
                let reasons = discard_reasons(
                    cached,
                    &metadata,
                    &fingerprint.local_path_lines,
                    force_reinstall,
                );
                if reasons.is_empty() {
                    (RestoredLayerAction::KeepLayer, String::new())
                } else {
                    (
                        RestoredLayerAction::DeleteLayer,
                        format!(
                            "Discarding cached virtual environment since:{}",
                            bullet_list(&reasons)
                        ),
                    )
                }
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
                "Using cached virtual environment: requirements.txt, Python {python_version} and the target \
                 are unchanged, so pip did not run.\nTo force a reinstall, set {REINSTALL_ENV_VAR}=true \
                 or clear the build cache."
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
            output::info("Running 'pip install -r requirements.txt'");
            let started = Instant::now();
            command::run_streamed(
                command::command("pip", env)
                    .arg("--python")
                    .arg(venv.join("bin").join("python"))
                    .args(["install", "--no-input", "--progress-bar", "off"])
                    .args(["--requirement", "requirements.txt"])
                    .current_dir(&context.app_dir),
                "pip install -r requirements.txt",
            )
            .map_err(VenvLayerError::PipInstall)?;
            output::done("Installed dependencies", started);
            layer.write_metadata(metadata.clone())?;
        }
    }
    env.clone_from(&layer.read_env()?.apply(Scope::Build, env));
    Ok(venv)
}

/// Why a cached venv can't be reused; empty when it can.
fn discard_reasons(
    cached: &VenvLayerMetadata,
    current: &VenvLayerMetadata,
    local_path_lines: &[String],
    force_reinstall: bool,
) -> Vec<String> {
    let mut reasons = changed_fields(&[
        (
            "package manager",
            &cached.package_manager,
            &current.package_manager,
        ),
        (
            "Python version",
            &cached.python_version,
            &current.python_version,
        ),
        ("target architecture", &cached.arch, &current.arch),
        (
            "target distro name",
            &cached.distro_name,
            &current.distro_name,
        ),
        (
            "target distro version",
            &cached.distro_version,
            &current.distro_version,
        ),
    ]);
    if cached.requirements_sha256 != current.requirements_sha256 {
        reasons.push("requirements.txt (or a file it includes) has changed".to_string());
    }
    if !local_path_lines.is_empty() {
        reasons.push(format!(
            "requirements.txt installs from local paths ({}), whose contents aren't tracked",
            local_path_lines.join(", ")
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
            requirements_sha256: "aa".into(),
            python_version: "3.13.5".into(),
            arch: "amd64".into(),
            distro_name: "debian".into(),
            distro_version: "12".into(),
        }
    }

    #[test]
    fn reuse_only_when_everything_matches() {
        assert!(discard_reasons(&metadata(), &metadata(), &[], false).is_empty());
        let changed = VenvLayerMetadata {
            requirements_sha256: "bb".into(),
            python_version: "3.11.2".into(),
            ..metadata()
        };
        assert_eq!(
            discard_reasons(&metadata(), &changed, &[], false),
            [
                "The Python version has changed from 3.13.5 to 3.11.2",
                "requirements.txt (or a file it includes) has changed"
            ]
        );
        assert_eq!(
            discard_reasons(&metadata(), &metadata(), &["-e .".to_string()], true),
            [
                "requirements.txt installs from local paths (-e .), whose contents aren't tracked",
                "BP_REINSTALL_DEPENDENCIES is set"
            ]
        );
    }
}
