//! The Pipfile of a Pipenv app (<https://pipenv.pypa.io/en/latest/pipfile.html>): the Python
//! version its `[requires]` table asks for. Kept apart from `pipenv.rs` (the install) so the
//! version parsers (and their fuzz targets) don't depend on layers.

use crate::python::version::{VersionOrigin, VersionRequest, parse_version_parts};
use serde::Deserialize;
use std::path::Path;

/// The Pipfile, which Pipfile.lock is locked from.
pub(crate) const PIPFILE: &str = "Pipfile";
/// The lockfile that selects Pipenv.
pub(crate) const PIPFILE_LOCK: &str = "Pipfile.lock";

/// Why the Pipfile's Python version can't be used.
#[derive(Debug)]
pub(crate) enum PipfileError {
    /// The Pipfile couldn't be read.
    Read(std::io::Error),
    /// The Pipfile isn't valid TOML (or `[requires]` has the wrong shape).
    Parse(toml::de::Error),
    /// `[requires] <key>` isn't `X.Y` / `X.Y.Z`: `(key, value)`.
    InvalidVersion(&'static str, String),
    /// `.python-version` or runtime.txt names another version than the Pipfile: `(origin,
    /// its request, the Pipfile's key, its request)`.
    Disagree(VersionOrigin, VersionRequest, &'static str, VersionRequest),
}

/// `[requires] python_full_version` (exact) or else `python_version` (`X.Y`) from the Pipfile
/// of a Pipenv app (one with a Pipfile.lock); `None` for other apps or without `[requires]`.
/// Returns the request and the key it came from.
///
/// # Errors
/// [`PipfileError`] for an unreadable or invalid Pipfile or version.
pub(crate) fn python_request(
    app_dir: &Path,
) -> Result<Option<(VersionRequest, &'static str)>, PipfileError> {
    #[derive(Deserialize)]
    struct Pipfile {
        requires: Option<Requires>,
    }
    #[derive(Deserialize)]
    struct Requires {
        python_version: Option<String>,
        python_full_version: Option<String>,
    }
    if !app_dir.join(PIPFILE_LOCK).exists() {
        return Ok(None);
    }
    let contents = match std::fs::read_to_string(app_dir.join(PIPFILE)) {
        Ok(contents) => contents,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(PipfileError::Read(error)),
    };
    let pipfile: Pipfile = toml::from_str(&contents).map_err(PipfileError::Parse)?;
    let Some(requires) = pipfile.requires else {
        return Ok(None);
    };
    let (key, value) = match (requires.python_full_version, requires.python_version) {
        (Some(full), _) => ("python_full_version", full),
        (None, Some(version)) => ("python_version", version),
        (None, None) => return Ok(None),
    };
    let (major, minor, patch) = parse_version_parts(value.trim())
        .ok_or_else(|| PipfileError::InvalidVersion(key, value.clone()))?;
    Ok(Some((
        VersionRequest {
            major,
            minor,
            patch,
        },
        key,
    )))
}
