//! The Python version types every part of the Python domain shares: a full CPython version
//! ([`PythonVersion`], as in the inventory), a request from a file ([`VersionRequest`]) and
//! where a request came from ([`VersionOrigin`]). No imports from the rest of the crate, so the
//! inventory, the version files and the Pipfile can all use them without a circle.

use serde::{Deserialize, Deserializer};
use std::fmt;
use std::str::FromStr;

/// A full CPython version `X.Y.Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct PythonVersion {
    pub(crate) major: u64,
    pub(crate) minor: u64,
    pub(crate) patch: u64,
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl FromStr for PythonVersion {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match parse_version_parts(value) {
            Some((major, minor, Some(patch))) => Ok(Self {
                major,
                minor,
                patch,
            }),
            _ => Err(()),
        }
    }
}

impl<'de> Deserialize<'de> for PythonVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        value.parse().map_err(|()| {
            serde::de::Error::custom(format!("invalid version '{value}', expected X.Y.Z"))
        })
    }
}

impl serde::Serialize for PythonVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// Parses `X.Y` or `X.Y.Z` (decimal numbers only).
pub(crate) fn parse_version_parts(value: &str) -> Option<(u64, u64, Option<u64>)> {
    let parts: Vec<&str> = value.split('.').collect();
    let number = |part: &str| -> Option<u64> {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            part.parse().ok()
        }
    };
    match parts.as_slice() {
        [major, minor] => Some((number(major)?, number(minor)?, None)),
        [major, minor, patch] => Some((number(major)?, number(minor)?, Some(number(patch)?))),
        _ => None,
    }
}

/// Where the requested version came from; named in the build log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum VersionOrigin {
    PythonVersionFile,
    RuntimeTxt,
    /// `[requires] <key>` in a Pipenv app's Pipfile.
    Pipfile(&'static str),
    RequiresPython(String),
    InventoryDefault,
}

impl fmt::Display for VersionOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PythonVersionFile => write!(f, ".python-version"),
            Self::RuntimeTxt => write!(f, "runtime.txt"),
            Self::Pipfile(key) => write!(f, "[requires] {key} in Pipfile"),
            Self::RequiresPython(specifiers) => {
                write!(f, "requires-python '{specifiers}' in pyproject.toml")
            }
            Self::InventoryDefault => write!(f, "the buildpack's default (newest available)"),
        }
    }
}

/// A version request from a file: `X.Y` (newest patch) or `X.Y.Z` (exact).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VersionRequest {
    pub(crate) major: u64,
    pub(crate) minor: u64,
    pub(crate) patch: Option<u64>,
}

impl fmt::Display for VersionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch {
            Some(patch) => write!(f, "{}.{}.{patch}", self.major, self.minor),
            None => write!(f, "{}.{}", self.major, self.minor),
        }
    }
}

impl VersionRequest {
    /// True when `version` satisfies the request (same X.Y, and same Z when given).
    pub(crate) fn matches(&self, version: PythonVersion) -> bool {
        self.major == version.major
            && self.minor == version.minor
            && self.patch.is_none_or(|patch| patch == version.patch)
    }

    /// True when one request is a prefix of the other (`3.13` and `3.13.5` agree).
    pub(crate) fn agrees_with(&self, other: &Self) -> bool {
        self.major == other.major
            && self.minor == other.minor
            && match (self.patch, other.patch) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}
