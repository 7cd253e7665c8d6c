//! The `nodejs` layer (build + cache; launch only with `BP_NODE_LAUNCH=true`): the official
//! Node.js distribution from the Node.js inventory, with npm and corepack.
//!
//! Reused when the version, the archive checksum and the target arch are unchanged; otherwise
//! discarded with the reasons logged. `bin/` is added to `PATH` by the lifecycle. Build env
//! defaults keep npm quiet and corepack non-interactive.

use crate::archive::{self, ArchiveError};
use crate::layers::{changed_fields, install_runtime_archive, keep_unless_changed};
use crate::node::inventory::{self, NodeArtifact};
use crate::output;
use crate::{BuildpackError, PythonBuildpack};
use libcnb::Env;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{CachedLayerDefinition, EmptyLayerCause, InvalidMetadataAction, LayerState};
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Build-scope defaults (users may override them): no update or funding notices in the build
/// log, corepack downloads Yarn/pnpm without asking, and node (so npm) trusts the build
/// image's CA store as pip does, so a CA the image trusts (e.g. a company proxy's) works
/// (<https://nodejs.org/api/cli.html#node_use_system_ca1>).
const BUILD_ENV_DEFAULTS: &[(&str, &str)] = &[
    ("npm_config_update_notifier", "false"),
    ("npm_config_fund", "false"),
    ("COREPACK_ENABLE_DOWNLOAD_PROMPT", "0"),
    ("NODE_USE_SYSTEM_CA", "1"),
];

/// What a restored Node.js layer must hold to be reused.
const REQUIRED_PATHS: &[&str] = &["bin/node", "bin/npm"];

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Serialize)]
#[serde(deny_unknown_fields)]
struct NodejsLayerMetadata {
    node_version: String,
    archive_sha256: String,
    arch: String,
}

/// Errors of the nodejs layer.
#[derive(Debug)]
pub(crate) enum NodejsLayerError {
    Download {
        version: String,
        error: ArchiveError,
    },
}

/// Installs (or reuses) Node.js `artifact`; applies the layer env to `env` and returns the
/// layer path. `launch` keeps it in the launch image.
///
/// # Errors
/// [`NodejsLayerError::Download`] when the archive can't be downloaded, verified or unpacked;
/// libcnb errors for layer I/O.
pub(crate) fn install_nodejs(
    context: &BuildContext<PythonBuildpack>,
    env: &mut Env,
    artifact: &NodeArtifact,
    mirror_base_url: Option<&str>,
    launch: bool,
) -> libcnb::Result<PathBuf, BuildpackError> {
    let metadata = NodejsLayerMetadata {
        node_version: artifact.version.to_string(),
        archive_sha256: artifact.sha256.clone(),
        arch: context.target.arch.clone(),
    };
    let layer = context.cached_layer(
        layer_name!("nodejs"),
        CachedLayerDefinition {
            build: true,
            launch,
            invalid_metadata_action: &|_| InvalidMetadataAction::DeleteLayer,
            restored_layer_action: &|cached: &NodejsLayerMetadata, layer_dir| {
                let mut reasons = changed_fields(&[
                    (
                        "Node.js version",
                        &cached.node_version,
                        &metadata.node_version,
                    ),
                    ("target architecture", &cached.arch, &metadata.arch),
                ]);
                if reasons.is_empty() && cached.archive_sha256 != metadata.archive_sha256 {
                    reasons.push("The inventory's checksum for this archive has changed".into());
                }
                keep_unless_changed(
                    layer_dir,
                    REQUIRED_PATHS,
                    &reasons,
                    &format!("Discarding cached Node.js {}", cached.node_version),
                )
            },
        },
    )?;
    match layer.state {
        LayerState::Restored { .. } => output::info(format!(
            "Using cached Node.js {} (same version, archive and target as the last build)",
            artifact.version
        )),
        LayerState::Empty { ref cause } => {
            match cause {
                EmptyLayerCause::RestoredLayerAction { cause } => output::info(cause),
                EmptyLayerCause::InvalidMetadataAction { .. } => output::info(
                    "Discarding cached Node.js since its layer metadata can't be parsed",
                ),
                EmptyLayerCause::NewlyCreated => {}
            }
            install_runtime_archive(
                &format!("Node.js {}", artifact.version),
                &inventory::download_url(artifact, mirror_base_url),
                Some(&artifact.sha256),
                archive::Format::NODEJS,
                &layer.path(),
            )
            .map_err(|error| NodejsLayerError::Download {
                version: artifact.version.to_string(),
                error,
            })?;
            layer.write_metadata(metadata.clone())?;
        }
    }
    let layer_env = BUILD_ENV_DEFAULTS
        .iter()
        .fold(LayerEnv::new(), |layer_env, (name, value)| {
            layer_env.chainable_insert(Scope::Build, ModificationBehavior::Default, name, value)
        });
    layer.write_env(layer_env)?;
    env.clone_from(&layer.read_env()?.apply(Scope::Build, env));
    Ok(layer.path())
}
