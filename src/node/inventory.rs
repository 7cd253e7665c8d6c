//! The Node.js inventory: which official Node.js archives exist, for which architecture, where.
//!
//! A TOML file in the buildpack directory (`inventory/nodejs.toml`; the copy in the source is
//! compiled in as a fallback). Shape:
//!
//! ```toml
//! [[artifacts]]
//! version = "24.21.0"     # X.Y.Z
//! arch = "amd64"          # CNB target arch: amd64 | arm64
//! lts = "Krypton"         # optional: the LTS codename; absent for non-LTS releases
//! url = "https://nodejs.org/dist/v24.21.0/node-v24.21.0-linux-x64.tar.gz"
//! sha256 = "…"            # required: from the release's SHASUMS256.txt
//! ```
//!
//! Archives are the official distribution (<https://nodejs.org/dist/>): a gzip tar with one
//! top directory holding `bin/node`, `bin/npm`, `bin/npx`, `bin/corepack` and
//! `lib/node_modules/`. Node.js binaries don't depend on the distro, only on glibc and arch.

use crate::inventory_file::{InventoryError, read_inventory_file};
use node_semver::Version;
use serde::Deserialize;
use std::path::Path;

/// Path of the inventory inside the buildpack directory.
pub(crate) const NODE_INVENTORY_PATH: &str = "inventory/nodejs.toml";

/// Overrides the base URL of the archives: `<base>/v<version>/<file name>`, the layout of
/// <https://nodejs.org/dist> and its mirrors.
pub(crate) const NODE_MIRROR_ENV_VAR: &str = "BP_NODE_MIRROR_URL";

const BUILT_IN_NODE_INVENTORY: &str = include_str!("../../inventory/nodejs.toml");

/// The whole inventory file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NodeInventory {
    #[serde(default)]
    pub(crate) artifacts: Vec<NodeArtifact>,
}

/// One official Node.js archive for one architecture.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct NodeArtifact {
    pub(crate) version: Version,
    pub(crate) arch: String,
    /// LTS codename (e.g. `Krypton`); `None` for Current (non-LTS) releases.
    pub(crate) lts: Option<String>,
    pub(crate) url: String,
    pub(crate) sha256: String,
}

/// Reads `<buildpack_dir>/inventory/nodejs.toml`, or the built-in copy when it's missing.
///
/// # Errors
/// [`InventoryError`] when the file exists but can't be read or parsed.
pub(crate) fn read_node_inventory(buildpack_dir: &Path) -> Result<NodeInventory, InventoryError> {
    read_inventory_file(
        buildpack_dir,
        NODE_INVENTORY_PATH,
        BUILT_IN_NODE_INVENTORY,
        "Node.js",
    )
}

impl NodeInventory {
    /// The artifacts for the CNB target arch, newest version first.
    pub(crate) fn for_arch(&self, arch: &str) -> Vec<&NodeArtifact> {
        let mut artifacts: Vec<&NodeArtifact> = self
            .artifacts
            .iter()
            .filter(|artifact| artifact.arch == arch)
            .collect();
        artifacts.sort_by(|a, b| b.version.cmp(&a.version));
        artifacts
    }
}

/// The URL to download `artifact` from: its inventory URL, or with a mirror base URL
/// ([`NODE_MIRROR_ENV_VAR`]) `<base>/v<version>/<file name of the inventory URL>`.
pub(crate) fn download_url(artifact: &NodeArtifact, mirror_base_url: Option<&str>) -> String {
    match mirror_base_url {
        Some(base) => format!(
            "{}/v{}/{}",
            base.trim_end_matches('/'),
            artifact.version,
            artifact.url.rsplit('/').next().unwrap_or_default()
        ),
        None => artifact.url.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_inventory_parses_and_has_an_lts_for_each_arch() {
        let inventory = read_node_inventory(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        for arch in ["amd64", "arm64"] {
            let artifacts = inventory.for_arch(arch);
            assert!(artifacts.iter().any(|artifact| artifact.lts.is_some()));
            assert!(
                artifacts
                    .windows(2)
                    .all(|pair| pair[0].version >= pair[1].version)
            );
            for artifact in artifacts {
                assert!(
                    artifact.sha256.len() == 64
                        && artifact
                            .sha256
                            .bytes()
                            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f')),
                    "{} {arch}: sha256 {:?} isn't 64 lowercase hex digits",
                    artifact.version,
                    artifact.sha256
                );
                let arch_name = if arch == "amd64" { "x64" } else { "arm64" };
                assert!(artifact.url.ends_with(&format!(
                    "/v{0}/node-v{0}-linux-{arch_name}.tar.gz",
                    artifact.version
                )));
            }
        }
    }

    /// The version `requirement` (as in package.json `engines.node`) resolves to in the
    /// shipped inventory for `arch`.
    fn shipped_resolution(requirement: &str, arch: &str) -> Option<String> {
        let inventory = read_node_inventory(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        let requested =
            crate::node::version::read_requested_node(Path::new("/nonexistent"), Some(requirement))
                .unwrap();
        crate::node::version::resolve(&requested.requirement, &inventory.for_arch(arch))
            .map(|artifact| artifact.version.to_string())
    }

    #[test]
    fn shipped_inventory_holds_every_release_of_the_supported_lines() {
        // Pins to a minor line, as project templates write them, resolve to that line's
        // newest patch release.
        for arch in ["amd64", "arm64"] {
            assert_eq!(shipped_resolution("26.5", arch).as_deref(), Some("26.5.1"));
            assert_eq!(
                shipped_resolution("22.23", arch).as_deref(),
                Some("22.23.3")
            );
            assert_eq!(
                shipped_resolution("^24.1", arch).as_deref(),
                Some("24.21.0")
            );
            assert_eq!(
                shipped_resolution(">=22 <23", arch).as_deref(),
                Some("22.23.3")
            );
            assert_eq!(
                shipped_resolution("24.11.0", arch).as_deref(),
                Some("24.11.0")
            );
            assert_eq!(
                shipped_resolution("lts/*", arch).as_deref(),
                Some("24.21.0")
            );
        }
        let inventory = read_node_inventory(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        let artifacts = inventory.for_arch("amd64");
        for major in [22, 24, 26] {
            // Every line from X.0.0 on, both arches for each version.
            assert!(
                artifacts
                    .iter()
                    .any(|artifact| artifact.version == Version::new(major, 0, 0)),
                "{major}.0.0 is missing"
            );
            for artifact in artifacts.iter().filter(|a| a.version.major == major) {
                let line = format!("{major}.{}", artifact.version.minor);
                let newest = artifacts
                    .iter()
                    .filter(|a| {
                        a.version.major == major && a.version.minor == artifact.version.minor
                    })
                    .map(|a| a.version.clone())
                    .max()
                    .unwrap();
                assert_eq!(shipped_resolution(&line, "amd64"), Some(newest.to_string()));
                assert!(
                    inventory
                        .for_arch("arm64")
                        .iter()
                        .any(|a| a.version == artifact.version)
                );
            }
        }
        // LTS codenames from each line's first LTS release on.
        let lts = |version: &str| {
            artifacts
                .iter()
                .find(|a| a.version == Version::parse(version).unwrap())
                .unwrap()
                .lts
                .clone()
        };
        assert_eq!(lts("22.10.0"), None);
        assert_eq!(lts("22.11.0").as_deref(), Some("Jod"));
        assert_eq!(lts("24.10.0"), None);
        assert_eq!(lts("24.11.0").as_deref(), Some("Krypton"));
        assert_eq!(lts("26.10.0"), None);
    }

    #[test]
    fn mirror_keeps_the_dist_layout() {
        let inventory = read_node_inventory(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        let artifact = inventory
            .for_arch("amd64")
            .into_iter()
            .find(|artifact| artifact.version == Version::parse("24.21.0").unwrap())
            .unwrap();
        assert_eq!(
            download_url(artifact, Some("http://127.0.0.1:9/node/")),
            "http://127.0.0.1:9/node/v24.21.0/node-v24.21.0-linux-x64.tar.gz"
        );
        assert_eq!(download_url(artifact, None), artifact.url);
    }

    #[test]
    fn sha256_is_required() {
        assert!(
            toml::from_str::<NodeInventory>(
                "[[artifacts]]\nversion = \"24.1.0\"\narch = \"amd64\"\nurl = \"u\""
            )
            .is_err()
        );
    }
}
