//! The `python` layer (build + launch + cache): the CPython runtime from the inventory.
//!
//! Reused when the version, the archive checksum and the target (arch, distro) are unchanged;
//! otherwise discarded with the reasons logged. Env: `PYTHONUNBUFFERED=1` (build and launch),
//! `SOURCE_DATE_EPOCH` (build default, for hash-based `.pyc` despite normalised mtimes);
//! `bin/` and `lib/` are added to `PATH` / `LD_LIBRARY_PATH` by the lifecycle.

use crate::archive::{self, ArchiveError};
use crate::layers::{install_runtime_archive, keep_unless_changed, runtime_changes};
use crate::output;
use crate::python::inventory::{self, Artifact};
use crate::python::runtime_check::{self, RuntimeCheckError};
use crate::{BuildpackError, PythonBuildpack};
use libcnb::Env;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{CachedLayerDefinition, EmptyLayerCause, InvalidMetadataAction, LayerState};
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// 1980-01-01T00:00:01Z: ZIP (and so wheels) can't go earlier; matches the lifecycle's mtimes.
const SOURCE_DATE_EPOCH: &str = "315532801";

/// What a restored runtime layer must hold to be reused.
const REQUIRED_PATHS: &[&str] = &["bin/python3"];

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Serialize)]
#[serde(deny_unknown_fields)]
struct PythonLayerMetadata {
    python_version: String,
    archive_sha256: Option<String>,
    arch: String,
    distro_name: String,
    distro_version: String,
}

/// Set to `true` to refuse runtime archives that the inventory has no sha256 for.
pub(crate) const REQUIRE_CHECKSUMS_ENV_VAR: &str = "BP_REQUIRE_CHECKSUMS";

/// Errors of the python layer.
#[derive(Debug)]
pub(crate) enum PythonLayerError {
    Download {
        version: String,
        error: ArchiveError,
    },
    /// The inventory has no sha256 for the archive and [`REQUIRE_CHECKSUMS_ENV_VAR`] is true.
    Unverified { version: String, url: String },
    /// The runtime is installed but can't import its extension modules on this build image.
    RuntimeCheck {
        version: String,
        error: RuntimeCheckError,
    },
}

/// Whether [`REQUIRE_CHECKSUMS_ENV_VAR`] is set to a true value (`true`, `1`, `yes`).
fn checksums_required(env: &Env) -> bool {
    env.get_string_lossy(REQUIRE_CHECKSUMS_ENV_VAR)
        .is_some_and(|value| {
            matches!(
                value.trim().to_ascii_lowercase().as_str(),
                "true" | "1" | "yes"
            )
        })
}

/// Installs (or reuses) the runtime for `artifact`; applies the layer env to `env` and
/// returns the layer path.
///
/// # Errors
/// [`PythonLayerError::Download`] when the archive can't be downloaded, verified or unpacked;
/// [`PythonLayerError::RuntimeCheck`] when the runtime can't load its extension modules here
/// (checked on every build: the build image may change while the layer is reused); libcnb
/// errors for layer I/O.
pub(crate) fn install_python(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
    artifact: &Artifact,
    mirror_base_url: Option<&str>,
) -> libcnb::Result<PathBuf, BuildpackError> {
    let url = inventory::download_url(artifact, mirror_base_url);
    if artifact.sha256.is_none() && checksums_required(env) {
        Err(PythonLayerError::Unverified {
            version: artifact.version.to_string(),
            url: crate::download::redact(&url),
        })?;
    }
    let metadata = PythonLayerMetadata {
        python_version: artifact.version.to_string(),
        archive_sha256: artifact.sha256.clone(),
        arch: context.target.arch.clone(),
        distro_name: context.target.distro_name.clone(),
        distro_version: context.target.distro_version.clone(),
    };
    let layer = context.cached_layer(
        layer_name!("python"),
        CachedLayerDefinition {
            build: true,
            launch: true,
            invalid_metadata_action: &|_| InvalidMetadataAction::DeleteLayer,
            restored_layer_action: &|cached: &PythonLayerMetadata, layer_dir| {
                let reasons = discard_reasons(cached, &metadata);
                keep_unless_changed(
                    layer_dir,
                    REQUIRED_PATHS,
                    &reasons,
                    &format!("Discarding cached Python {}", cached.python_version),
                )
            },
        },
    )?;

    match layer.state {
        LayerState::Restored { .. } => {
            output::info(format!(
                "Using cached Python {} (same version, archive and target as the last build)",
                artifact.version
            ));
        }
        LayerState::Empty { ref cause } => {
            match cause {
                EmptyLayerCause::RestoredLayerAction { cause } => output::info(cause),
                EmptyLayerCause::InvalidMetadataAction { .. } => {
                    output::info(
                        "Discarding cached Python since its layer metadata can't be parsed",
                    );
                }
                EmptyLayerCause::NewlyCreated => {}
            }
            if artifact.sha256.is_none() {
                output::warning(
                    "Installing an unverified Python archive",
                    format!(
                        "The buildpack's inventory has no sha256 for {}, so its integrity \
                         can't be checked: whoever controls the download (or a mirror) controls \
                         the Python runtime. Use an inventory with checksums (archives built by \
                         builds/ always have one), or set {REQUIRE_CHECKSUMS_ENV_VAR}=true to \
                         refuse unverified archives.",
                        crate::download::redact(&url)
                    ),
                );
            }
            install_runtime_archive(
                &format!("Python {}", artifact.version),
                &url,
                artifact.sha256.as_deref(),
                archive::Format::PYTHON,
                &layer.path(),
            )
            .map_err(|error| PythonLayerError::Download {
                version: artifact.version.to_string(),
                error,
            })?;
            layer.write_metadata(metadata.clone())?;
        }
    }

    layer.write_env(
        LayerEnv::new()
            .chainable_insert(
                Scope::All,
                ModificationBehavior::Override,
                "PYTHONUNBUFFERED",
                "1",
            )
            .chainable_insert(
                Scope::Build,
                ModificationBehavior::Default,
                "SOURCE_DATE_EPOCH",
                SOURCE_DATE_EPOCH,
            ),
    )?;
    layer.write_sboms(&[crate::python::sbom::python_sbom(
        &artifact.version.to_string(),
    )])?;
    // read_env includes the implicit bin/ and lib/ entries.
    env.clone_from(&layer.read_env()?.apply(Scope::Build, env));
    check_runtime(&layer.path(), env, artifact)?;
    Ok(layer.path())
}

/// Runs [`runtime_check::check_runtime`] and logs how long it took.
fn check_runtime(
    python_layer: &Path,
    env: &Env,
    artifact: &Artifact,
) -> Result<(), PythonLayerError> {
    let started = std::time::Instant::now();
    runtime_check::check_runtime(python_layer, env).map_err(|error| {
        PythonLayerError::RuntimeCheck {
            version: artifact.version.to_string(),
            error,
        }
    })?;
    output::done(
        "Checked that Python's extension modules load (ssl, sqlite3, ctypes, ...)",
        started,
    );
    Ok(())
}

fn discard_reasons(cached: &PythonLayerMetadata, current: &PythonLayerMetadata) -> Vec<String> {
    let mut reasons = runtime_changes(
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
    );
    if cached.python_version == current.python_version
        && cached.archive_sha256 != current.archive_sha256
    {
        reasons.push("The inventory's checksum for this archive has changed".to_string());
    }
    reasons
}

/// The `pythonX.Y` directory name under `lib/`.
pub(crate) fn stdlib_dir(python_layer: &Path, artifact: &Artifact) -> PathBuf {
    python_layer.join("lib").join(format!(
        "python{}.{}",
        artifact.version.major, artifact.version.minor
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata() -> PythonLayerMetadata {
        PythonLayerMetadata {
            python_version: "3.13.5".into(),
            archive_sha256: Some("aa".into()),
            arch: "amd64".into(),
            distro_name: "debian".into(),
            distro_version: "12".into(),
        }
    }

    #[test]
    fn checksums_are_required_only_when_asked() {
        let mut env = Env::new();
        assert!(!checksums_required(&env));
        for (value, required) in [
            ("true", true),
            ("TRUE ", true),
            ("1", true),
            ("false", false),
        ] {
            env.insert(REQUIRE_CHECKSUMS_ENV_VAR, value);
            assert_eq!(checksums_required(&env), required, "{value}");
        }
    }

    #[test]
    fn discard_reasons_name_each_change() {
        assert!(discard_reasons(&metadata(), &metadata()).is_empty());
        let current = PythonLayerMetadata {
            python_version: "3.11.2".into(),
            distro_version: "13".into(),
            archive_sha256: Some("bb".into()),
            ..metadata()
        };
        assert_eq!(
            discard_reasons(&metadata(), &current),
            [
                "The Python version has changed from 3.13.5 to 3.11.2",
                "The target distro version has changed from 12 to 13"
            ]
        );
        let rebuilt = PythonLayerMetadata {
            archive_sha256: Some("bb".into()),
            ..metadata()
        };
        assert_eq!(
            discard_reasons(&metadata(), &rebuilt),
            ["The inventory's checksum for this archive has changed"]
        );
    }
}
