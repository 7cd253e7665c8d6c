//! Reading the app's `package.json`: its scripts, `engines.node`, `packageManager`, and the
//! fields that decide what `node_modules` holds.
//!
//! Shape: <https://docs.npmjs.com/cli/v11/configuring-npm/package-json>.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(crate) const PACKAGE_JSON: &str = "package.json";

/// The fields that decide what an install puts in `node_modules` (besides the lockfile).
const DEPENDENCY_FIELDS: &[&str] = &[
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
    "bundleDependencies",
    "bundledDependencies",
    "overrides",
    "resolutions",
    "workspaces",
    "pnpm",
    "packageManager",
];

/// The parts of `package.json` the buildpack uses.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct PackageJson {
    /// `scripts`: name → command.
    pub(crate) scripts: BTreeMap<String, String>,
    /// `engines.node`, e.g. `">=22 <25"`.
    pub(crate) engines_node: Option<String>,
    /// `packageManager`, e.g. `"pnpm@9.15.0"` (read by corepack).
    pub(crate) package_manager: Option<String>,
    /// sha256 (hex) of the dependency fields ([`DEPENDENCY_FIELDS`]) as canonical JSON, so
    /// that edits to scripts or metadata don't invalidate `node_modules`.
    pub(crate) dependencies_sha256: String,
}

/// Why `package.json` couldn't be read.
#[derive(Debug)]
pub(crate) enum PackageJsonError {
    Read(PathBuf, std::io::Error),
    /// Not valid JSON, or not an object; the message has the line and column.
    Parse(PathBuf, String),
}

/// Reads `<app_dir>/package.json`; `Ok(None)` when there is none.
///
/// # Errors
/// [`PackageJsonError`] when it exists but can't be read or parsed.
pub(crate) fn read(app_dir: &Path) -> Result<Option<PackageJson>, PackageJsonError> {
    let path = app_dir.join(PACKAGE_JSON);
    match std::fs::read_to_string(&path) {
        Ok(contents) => parse(&contents)
            .map(Some)
            .map_err(|message| PackageJsonError::Parse(path, message)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(PackageJsonError::Read(path, error)),
    }
}

/// Parses `package.json` text. Non-string script commands and engines are ignored, as npm
/// does.
///
/// # Errors
/// A message for people when the text isn't a JSON object.
pub(crate) fn parse(contents: &str) -> Result<PackageJson, String> {
    // A leading UTF-8 BOM is ignored, as npm does.
    let contents = contents.strip_prefix('\u{feff}').unwrap_or(contents);
    let value: Value = serde_json::from_str(contents).map_err(|error| error.to_string())?;
    let Value::Object(object) = value else {
        return Err("the top level must be a JSON object ({ ... })".to_string());
    };
    let scripts = object
        .get("scripts")
        .and_then(Value::as_object)
        .map(|scripts| {
            scripts
                .iter()
                .filter_map(|(name, command)| {
                    command
                        .as_str()
                        .map(|command| (name.clone(), command.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    let engines_node = object
        .get("engines")
        .and_then(|engines| engines.get("node"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let package_manager = object
        .get("packageManager")
        .and_then(Value::as_str)
        .map(str::to_string);
    // serde_json's Map is sorted by key, so this serialisation is canonical.
    let dependencies: Map<String, Value> = DEPENDENCY_FIELDS
        .iter()
        .filter_map(|field| {
            object
                .get(*field)
                .map(|value| ((*field).to_string(), value.clone()))
        })
        .collect();
    let dependencies_sha256 = format!(
        "{:x}",
        Sha256::digest(Value::Object(dependencies).to_string())
    );
    Ok(PackageJson {
        scripts,
        engines_node,
        package_manager,
        dependencies_sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scripts_engines_and_package_manager() {
        let package = parse(
            r#"{"name": "x", "scripts": {"build": "esbuild a.js", "odd": 3},
                "engines": {"node": ">=22"}, "packageManager": "pnpm@9.15.0"}"#,
        )
        .unwrap();
        assert_eq!(package.scripts.len(), 1);
        assert_eq!(package.scripts["build"], "esbuild a.js");
        assert_eq!(package.engines_node.as_deref(), Some(">=22"));
        assert_eq!(package.package_manager.as_deref(), Some("pnpm@9.15.0"));
        assert!(parse("{}").unwrap().scripts.is_empty());
        assert_eq!(
            parse("\u{feff}{\"engines\": {\"node\": \"24\"}}")
                .unwrap()
                .engines_node
                .as_deref(),
            Some("24"),
            "a UTF-8 BOM is ignored"
        );
    }

    #[test]
    fn dependency_fingerprint_ignores_scripts_and_key_order() {
        let a =
            parse(r#"{"scripts": {"build": "a"}, "dependencies": {"x": "1", "y": "2"}}"#).unwrap();
        let b =
            parse(r#"{"dependencies": {"y": "2", "x": "1"}, "scripts": {"build": "b"}}"#).unwrap();
        let c = parse(r#"{"dependencies": {"x": "1", "y": "3"}}"#).unwrap();
        assert_eq!(a.dependencies_sha256, b.dependencies_sha256);
        assert_ne!(a.dependencies_sha256, c.dependencies_sha256);
    }

    #[test]
    fn invalid_json_is_an_error_with_a_position() {
        let error = parse("{\n  \"scripts\": {,}\n}").unwrap_err();
        assert!(error.contains("line 2"), "{error}");
        assert!(parse("[1]").is_err());
    }
}
