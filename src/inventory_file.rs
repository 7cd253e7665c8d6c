//! Reading a runtime inventory file (Python's `inventory/python.toml`, Node.js's
//! `inventory/nodejs.toml`) from the buildpack directory, with the built-in copy as fallback.
//! Shared by both domains; the inventories' shapes live in `python::inventory` and
//! `node::inventory`.

use std::path::{Path, PathBuf};

/// Errors from reading an inventory file (`runtime` is "Python" or "Node.js").
#[derive(Debug)]
pub(crate) enum InventoryError {
    Read {
        runtime: &'static str,
        path: PathBuf,
        error: std::io::Error,
    },
    Parse {
        runtime: &'static str,
        path: PathBuf,
        error: toml::de::Error,
    },
}

/// Reads `<buildpack_dir>/<relative_path>` as TOML, or parses `built_in` when the file
/// doesn't exist. `runtime` names the inventory in errors.
///
/// # Errors
/// [`InventoryError`].
pub(crate) fn read_inventory_file<T: serde::de::DeserializeOwned>(
    buildpack_dir: &Path,
    relative_path: &str,
    built_in: &str,
    runtime: &'static str,
) -> Result<T, InventoryError> {
    let path = buildpack_dir.join(relative_path);
    let (contents, path) = match std::fs::read_to_string(&path) {
        Ok(contents) => (contents, path),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => (
            built_in.to_string(),
            PathBuf::from(format!("(built-in {relative_path})")),
        ),
        Err(error) => {
            return Err(InventoryError::Read {
                runtime,
                path,
                error,
            });
        }
    };
    toml::from_str(&contents).map_err(|error| InventoryError::Parse {
        runtime,
        path,
        error,
    })
}
