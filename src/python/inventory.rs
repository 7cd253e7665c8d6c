//! The Python runtime inventory: which CPython archives exist, for which targets, where.
//!
//! The inventory is a TOML file in the buildpack directory (`inventory/python.toml`), read at
//! build time so that a packaged buildpack, a mirror operator or a test can carry its own list.
//! Shape:
//!
//! ```toml
//! [[artifacts]]
//! version = "3.13.5"          # X.Y.Z
//! arch = "amd64"              # CNB target arch: amd64 | arm64
//! distro_name = "debian"      # CNB target distro name (`io.buildpacks.base.distro.name`)
//! distro_version = "12"       # CNB target distro version
//! url = "https://…/python-3.13.5-debian-12-amd64.tar.zst"
//! sha256 = "…"                # optional: verified whenever present
//! ```

use crate::inventory_file::{InventoryError, read_inventory_file};
use crate::python::version::PythonVersion;
use libcnb::Target;
use serde::Deserialize;
use std::path::Path;

/// Path of the inventory inside the buildpack directory.
pub(crate) const INVENTORY_PATH: &str = "inventory/python.toml";

/// The whole inventory file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Inventory {
    #[serde(default)]
    pub(crate) artifacts: Vec<Artifact>,
}

/// One CPython archive for one target.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Artifact {
    pub(crate) version: PythonVersion,
    pub(crate) arch: String,
    pub(crate) distro_name: String,
    pub(crate) distro_version: String,
    pub(crate) url: String,
    pub(crate) sha256: Option<String>,
}

/// The inventory shipped with the source, compiled in: used when the buildpack directory has
/// no inventory file (`cargo libcnb package` copies only `buildpack.toml` and binaries).
const BUILT_IN_INVENTORY: &str = include_str!("../../inventory/python.toml");

/// Reads and parses `<buildpack_dir>/inventory/python.toml`, or the built-in inventory when
/// that file doesn't exist.
///
/// # Errors
/// [`InventoryError::Read`] when the file exists but can't be read, [`InventoryError::Parse`]
/// when it isn't valid inventory TOML.
pub(crate) fn read_inventory(buildpack_dir: &Path) -> Result<Inventory, InventoryError> {
    read_inventory_file(buildpack_dir, INVENTORY_PATH, BUILT_IN_INVENTORY, "Python")
}

impl Inventory {
    /// The artifacts built for `target` (arch, distro name and distro version all equal),
    /// newest version first.
    pub(crate) fn for_target(&self, target: &Target) -> Vec<&Artifact> {
        let mut artifacts: Vec<&Artifact> = self
            .artifacts
            .iter()
            .filter(|artifact| {
                artifact.arch == target.arch
                    && artifact.distro_name == target.distro_name
                    && artifact.distro_version == target.distro_version
            })
            .collect();
        artifacts.sort_by_key(|artifact| std::cmp::Reverse(artifact.version));
        artifacts
    }
}

/// File name of an archive under the URL scheme
/// `python-X.Y.Z-{distro_name}-{distro_version}-{arch}.tar.zst`.
pub(crate) fn archive_file_name(artifact: &Artifact) -> String {
    format!(
        "python-{}-{}-{}-{}.tar.zst",
        artifact.version, artifact.distro_name, artifact.distro_version, artifact.arch
    )
}

/// The URL to download `artifact` from: the inventory URL (by default on Heroku's public
/// archive bucket), or, when a mirror base URL is
/// given (`BP_PYTHON_MIRROR_URL`), the same file name under that base.
pub(crate) fn download_url(artifact: &Artifact, mirror_base_url: Option<&str>) -> String {
    match mirror_base_url {
        Some(base) => format!(
            "{}/{}",
            base.trim_end_matches('/'),
            archive_file_name(artifact)
        ),
        None => artifact.url.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(arch: &str, name: &str, version: &str) -> Target {
        Target {
            os: "linux".to_string(),
            arch: arch.to_string(),
            arch_variant: None,
            distro_name: name.to_string(),
            distro_version: version.to_string(),
        }
    }

    const INVENTORY: &str = r#"
[[artifacts]]
version = "3.11.2"
arch = "amd64"
distro_name = "debian"
distro_version = "12"
url = "https://example.invalid/python-3.11.2-debian-12-amd64.tar.zst"

[[artifacts]]
version = "3.13.5"
arch = "amd64"
distro_name = "debian"
distro_version = "12"
url = "https://example.invalid/python-3.13.5-debian-12-amd64.tar.zst"
sha256 = "abc"

[[artifacts]]
version = "3.13.5"
arch = "arm64"
distro_name = "debian"
distro_version = "12"
url = "https://example.invalid/python-3.13.5-debian-12-arm64.tar.zst"
"#;

    #[test]
    fn filters_by_target_and_sorts_newest_first() {
        let inventory: Inventory = toml::from_str(INVENTORY).unwrap();
        let found = inventory.for_target(&target("amd64", "debian", "12"));
        let versions: Vec<String> = found.iter().map(|a| a.version.to_string()).collect();
        assert_eq!(versions, ["3.13.5", "3.11.2"]);
        assert_eq!(found[0].sha256.as_deref(), Some("abc"));
        assert!(
            inventory
                .for_target(&target("amd64", "ubuntu", "24.04"))
                .is_empty()
        );
        assert_eq!(
            inventory.for_target(&target("arm64", "debian", "12")).len(),
            1
        );
    }

    #[test]
    fn mirror_replaces_base_url_but_keeps_file_name() {
        let inventory: Inventory = toml::from_str(INVENTORY).unwrap();
        let artifact = &inventory.artifacts[1];
        assert_eq!(
            download_url(artifact, None),
            "https://example.invalid/python-3.13.5-debian-12-amd64.tar.zst"
        );
        assert_eq!(
            download_url(artifact, Some("http://127.0.0.1:8080/py/")),
            "http://127.0.0.1:8080/py/python-3.13.5-debian-12-amd64.tar.zst"
        );
    }

    #[test]
    fn rejects_unknown_fields_and_bad_versions() {
        assert!(
            toml::from_str::<Inventory>("[[artifacts]]\nversion = \"3.13\"\nbogus = 1").is_err()
        );
        assert!(
            toml::from_str::<Inventory>(
                "[[artifacts]]\nversion = \"3.x.1\"\narch = \"amd64\"\ndistro_name = \"d\"\ndistro_version = \"1\"\nurl = \"u\""
            )
            .is_err()
        );
    }

    #[test]
    fn falls_back_to_the_built_in_inventory() {
        let dir = std::env::temp_dir().join(format!("assetpack-inv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let inventory = read_inventory(&dir).unwrap();
        let built_in: Inventory = toml::from_str(BUILT_IN_INVENTORY).unwrap();
        assert_eq!(inventory.artifacts, built_in.artifacts);
        std::fs::create_dir_all(dir.join("inventory")).unwrap();
        std::fs::write(dir.join(INVENTORY_PATH), "[[artifacts]]\nbogus = 1\n").unwrap();
        assert!(matches!(
            read_inventory(&dir),
            Err(InventoryError::Parse { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn shipped_inventory_parses() {
        let inventory = read_inventory(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        assert!(!inventory.artifacts.is_empty());
        for artifact in &inventory.artifacts {
            assert!(artifact.url.ends_with(&archive_file_name(artifact)));
        }
    }
}
