//! The buildpack's input parsers and archive checks as a library, for the cargo-fuzz targets
//! in `fuzz/` (run by `scripts/fuzz.sh`). The buildpack itself is the binary (`src/main.rs`),
//! which compiles the same modules; this crate only adds the [`fuzz`] entry points.

// The modules are shared with the binary; here only what the fuzz entry points reach is used.
#![allow(dead_code)]

mod archive;
mod download;
mod inventory_file;
mod processes;

/// The same module tree as the binary's, holding only the parsers the fuzz targets reach.
mod node {
    pub(crate) mod inventory;
    pub(crate) mod package_json;
    pub(crate) mod version;
}

/// The same module tree as the binary's, holding only the parsers the fuzz targets reach.
mod python {
    pub(crate) mod inventory;
    pub(crate) mod pipfile;
    pub(crate) mod python_version;
    pub(crate) mod requirements_txt;
    pub(crate) mod version;
}

/// One entry point per parser: each takes untrusted input and must never panic (the
/// [`fuzz::unpack`] entry point also checks that nothing is written outside its directory).
pub mod fuzz {
    use crate::node::{inventory as node_inventory, package_json, version as node_version};
    use crate::python::{inventory, python_version, requirements_txt};
    use crate::{archive, download, processes};
    use std::path::Path;

    /// `.python-version` contents.
    pub fn python_version_file(text: &str) {
        let _ = python_version::parse_python_version_file(text);
    }

    /// `runtime.txt` contents.
    pub fn runtime_txt(text: &str) {
        let _ = python_version::parse_runtime_txt(text);
    }

    /// `text` as a whole pyproject.toml, and as the value of `requires-python` in one.
    pub fn requires_python(text: &str) {
        let _ = python_version::parse_requires_python(text);
        let quoted = toml::Value::String(text.to_string()).to_string();
        let _ = python_version::parse_requires_python(&format!(
            "[project]\nrequires-python = {quoted}\n"
        ));
    }

    /// A Node.js version requirement (engines.node or `.nvmrc`), resolved against a small
    /// inventory.
    pub fn node_version(text: &str) {
        let Ok(requested) = node_version::parse_requirement(
            text,
            node_version::NodeVersionOrigin::File(node_version::NVMRC),
        ) else {
            return;
        };
        let Ok(inventory) = toml::from_str::<node_inventory::NodeInventory>(NODE_INVENTORY) else {
            return;
        };
        let _ = node_version::resolve(&requested.requirement, &inventory.for_arch("amd64"));
    }

    const NODE_INVENTORY: &str = r#"
[[artifacts]]
version = "24.21.0"
arch = "amd64"
lts = "Krypton"
url = "https://nodejs.org/dist/v24.21.0/node-v24.21.0-linux-x64.tar.gz"
sha256 = "00"

[[artifacts]]
version = "25.0.0-rc.1"
arch = "amd64"
url = "https://nodejs.org/dist/v25.0.0-rc.1/node-v25.0.0-rc.1-linux-x64.tar.gz"
sha256 = "00"
"#;

    /// `Procfile` contents, turned into launch processes.
    pub fn procfile(text: &str) {
        if let Ok(entries) = processes::parse_procfile(text) {
            let _ = processes::to_processes(&entries);
        }
        let _ = processes::django_project_package(text);
    }

    /// `package.json` contents.
    pub fn package_json(text: &str) {
        let _ = package_json::parse(text);
    }

    /// `requirements.txt` contents, split into logical lines and classified.
    pub fn requirements_lines(text: &str) {
        for line in requirements_txt::logical_lines(text) {
            let _ = requirements_txt::classify(&line);
        }
    }

    /// A Python or Node.js inventory file, with the URL and redaction helpers.
    pub fn inventory(text: &str) {
        if let Ok(inventory) = toml::from_str::<inventory::Inventory>(text) {
            for artifact in &inventory.artifacts {
                let _ = inventory::download_url(artifact, Some(text));
            }
        }
        if let Ok(inventory) = toml::from_str::<node_inventory::NodeInventory>(text) {
            for artifact in &inventory.artifacts {
                let _ = node_inventory::download_url(artifact, Some(text));
            }
        }
        let _ = download::check_url(text);
        let _ = download::redact(text);
        let _ = download::resolve_location("https://example.com/a/b", text);
    }

    /// The tar entry check for an entry path (after stripping `strip` components) and a link
    /// target.
    pub fn tar_entry(path: &str, link_target: Option<&str>, is_hard_link: bool, strip: usize) {
        let Some(path) = archive::strip_components(Path::new(path), strip % 3) else {
            return;
        };
        let _ = archive::check_entry(&path, link_target.map(Path::new), is_hard_link);
    }

    /// Unpacks `data` as a gzip (or zstd) tar into a fresh directory, with small limits.
    ///
    /// # Panics
    /// When anything was written outside the destination, or the temporary directory can't
    /// be made.
    pub fn unpack(data: &[u8], zstd: bool, strip_components: usize) {
        let root = tempfile::tempdir().expect("a temporary directory");
        let destination = root.path().join("layer");
        std::fs::create_dir(&destination).expect("the destination directory");
        let format = archive::Format {
            compression: if zstd {
                archive::Compression::Zstd
            } else {
                archive::Compression::Gzip
            },
            strip_components: strip_components % 3,
        };
        let limits = archive::Limits {
            max_bytes: 1 << 20,
            max_entries: 1000,
        };
        let _ = archive::unpack(data, format, &destination, limits);
        let outside: Vec<_> = std::fs::read_dir(root.path())
            .expect("the temporary directory")
            .filter_map(Result::ok)
            .map(|entry| entry.file_name())
            .filter(|name| name != "layer")
            .collect();
        assert!(outside.is_empty(), "written outside the layer: {outside:?}");
    }
}
