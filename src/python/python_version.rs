//! Choosing the Python version: what the app asks for, and which inventory version satisfies it.
//!
//! Precedence (first match wins; documented in the README):
//! 1. `.python-version` (`X.Y` or `X.Y.Z`)
//! 2. `runtime.txt` (`python-X.Y.Z`; deprecated, accepted with a warning)
//! 3. `requires-python` in `pyproject.toml` (a PEP 440 specifier set)
//! 4. the newest version the inventory has for the build's target
//!
//! Whatever the source, a `requires-python` that excludes the chosen version is an error, and
//! `runtime.txt` and `.python-version` must agree when both exist.

use crate::python::inventory::Artifact;
use crate::python::version::{PythonVersion, VersionOrigin, VersionRequest, parse_version_parts};
use serde::Deserialize;
use std::path::Path;
use std::str::FromStr;

/// Oldest Python 3 minor version still supported (3.9 and older are end-of-life).
pub(crate) const OLDEST_SUPPORTED_MINOR: u64 = 10;

/// What the app asks for, from the first source in precedence order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestedPython {
    /// `None` with `RequiresPython`/`InventoryDefault`: the newest allowed version is chosen.
    pub(crate) request: Option<VersionRequest>,
    pub(crate) origin: VersionOrigin,
    /// `requires-python`, when pyproject.toml has one (constrains every origin).
    pub(crate) requires_python: Option<RequiresPython>,
    /// True when runtime.txt was used or present: the log shows a deprecation warning.
    pub(crate) runtime_txt_present: bool,
}

/// A parsed `requires-python` specifier set, with its original text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequiresPython {
    pub(crate) text: String,
    specifiers: pep440_rs::VersionSpecifiers,
}

impl RequiresPython {
    fn allows(&self, version: PythonVersion) -> bool {
        let version = pep440_rs::Version::new([version.major, version.minor, version.patch]);
        self.specifiers.contains(&version)
    }
}

/// Errors from reading the app's version files. Each names the file and the bad content.
#[derive(Debug)]
pub(crate) enum RequestedVersionError {
    ReadFile(&'static str, std::io::Error),
    /// `.python-version` holds no version line.
    NoVersion(&'static str),
    /// More than one version line.
    MultipleVersions(&'static str, Vec<String>),
    /// The line isn't `X.Y` / `X.Y.Z` (or `python-X.Y.Z` for runtime.txt).
    InvalidSyntax(&'static str, String),
    /// runtime.txt and .python-version name different versions.
    Disagree {
        python_version_file: VersionRequest,
        runtime_txt: VersionRequest,
    },
    InvalidPyprojectToml(toml::de::Error),
    /// A Pipenv app's Pipfile `[requires]` is unreadable, invalid, or disagrees.
    Pipfile(crate::python::pipfile::PipfileError),
    InvalidRequiresPython(String, String),
}

/// File names, as shown to users.
pub(crate) const PYTHON_VERSION_FILE: &str = ".python-version";
pub(crate) const RUNTIME_TXT: &str = "runtime.txt";
pub(crate) const PYPROJECT_TOML: &str = "pyproject.toml";

/// Reads the version request from the app dir, following the documented precedence.
///
/// # Errors
/// See [`RequestedVersionError`]: unreadable files, invalid syntax, several versions in one
/// file, disagreeing files, an invalid pyproject.toml or `requires-python`.
pub(crate) fn read_requested_python(
    app_dir: &Path,
) -> Result<RequestedPython, RequestedVersionError> {
    let python_version_file = read_optional(app_dir, PYTHON_VERSION_FILE)?
        .map(|contents| parse_python_version_file(&contents))
        .transpose()?;
    let runtime_txt = read_optional(app_dir, RUNTIME_TXT)?
        .map(|contents| parse_runtime_txt(&contents))
        .transpose()?;
    let pipfile =
        crate::python::pipfile::python_request(app_dir).map_err(RequestedVersionError::Pipfile)?;
    let requires_python = read_optional(app_dir, PYPROJECT_TOML)?
        .map(|contents| parse_requires_python(&contents))
        .transpose()?
        .flatten();

    if let (Some(file), Some(runtime)) = (python_version_file, runtime_txt)
        && !file.agrees_with(&runtime)
    {
        return Err(RequestedVersionError::Disagree {
            python_version_file: file,
            runtime_txt: runtime,
        });
    }

    let (request, origin) = match (python_version_file, runtime_txt, pipfile, &requires_python) {
        (Some(file), _, _, _) => (Some(file), VersionOrigin::PythonVersionFile),
        (None, Some(runtime), _, _) => (Some(runtime), VersionOrigin::RuntimeTxt),
        (None, None, Some((request, key)), _) => (Some(request), VersionOrigin::Pipfile(key)),
        (None, None, None, Some(requires)) => {
            (None, VersionOrigin::RequiresPython(requires.text.clone()))
        }
        (None, None, None, None) => (None, VersionOrigin::InventoryDefault),
    };
    // Pipenv refuses to install for another Python than the Pipfile requires.
    if let (Some(chosen), Some((pipfile_request, key))) = (request, pipfile)
        && !chosen.agrees_with(&pipfile_request)
    {
        return Err(RequestedVersionError::Pipfile(
            crate::python::pipfile::PipfileError::Disagree(origin, chosen, key, pipfile_request),
        ));
    }
    Ok(RequestedPython {
        request,
        origin,
        requires_python,
        runtime_txt_present: runtime_txt.is_some(),
    })
}

fn read_optional(
    app_dir: &Path,
    name: &'static str,
) -> Result<Option<String>, RequestedVersionError> {
    match std::fs::read_to_string(app_dir.join(name)) {
        Ok(contents) => Ok(Some(contents)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(RequestedVersionError::ReadFile(name, error)),
    }
}

/// Meaningful lines: trimmed, without blanks and `#` comments; control characters shown as `�`.
/// A leading UTF-8 BOM (as some Windows editors write) is ignored.
fn version_lines(contents: &str) -> Vec<String> {
    contents
        .strip_prefix('\u{feff}')
        .unwrap_or(contents)
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            line.chars()
                .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
                .collect()
        })
        .collect()
}

fn single_line(name: &'static str, contents: &str) -> Result<String, RequestedVersionError> {
    let mut lines = version_lines(contents);
    match lines.len() {
        0 => Err(RequestedVersionError::NoVersion(name)),
        1 => Ok(lines.remove(0)),
        _ => Err(RequestedVersionError::MultipleVersions(name, lines)),
    }
}

/// Parses `.python-version`: exactly one `X.Y` or `X.Y.Z` line (comments and blanks ignored).
pub(crate) fn parse_python_version_file(
    contents: &str,
) -> Result<VersionRequest, RequestedVersionError> {
    let line = single_line(PYTHON_VERSION_FILE, contents)?;
    parse_version_parts(&line)
        .map(|(major, minor, patch)| VersionRequest {
            major,
            minor,
            patch,
        })
        .ok_or(RequestedVersionError::InvalidSyntax(
            PYTHON_VERSION_FILE,
            line,
        ))
}

/// Parses `runtime.txt`: exactly one `python-X.Y.Z` (or `python-X.Y`) line.
pub(crate) fn parse_runtime_txt(contents: &str) -> Result<VersionRequest, RequestedVersionError> {
    let line = single_line(RUNTIME_TXT, contents)?;
    line.strip_prefix("python-")
        .and_then(parse_version_parts)
        .map(|(major, minor, patch)| VersionRequest {
            major,
            minor,
            patch,
        })
        .ok_or(RequestedVersionError::InvalidSyntax(RUNTIME_TXT, line))
}

/// Reads `[project] requires-python` from pyproject.toml contents, if present.
pub(crate) fn parse_requires_python(
    contents: &str,
) -> Result<Option<RequiresPython>, RequestedVersionError> {
    #[derive(Deserialize)]
    struct Pyproject {
        project: Option<Project>,
    }
    #[derive(Deserialize)]
    struct Project {
        #[serde(rename = "requires-python")]
        requires_python: Option<String>,
    }
    let pyproject: Pyproject =
        toml::from_str(contents).map_err(RequestedVersionError::InvalidPyprojectToml)?;
    let Some(text) = pyproject
        .project
        .and_then(|project| project.requires_python)
    else {
        return Ok(None);
    };
    let specifiers = pep440_rs::VersionSpecifiers::from_str(&text).map_err(|error| {
        RequestedVersionError::InvalidRequiresPython(text.clone(), error.to_string())
    })?;
    Ok(Some(RequiresPython { text, specifiers }))
}

/// Errors from matching a request against the inventory.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ResolveError {
    /// Older than 3.10.
    EndOfLife(VersionRequest),
    /// A minor version newer than anything the inventory has.
    Unknown {
        request: VersionRequest,
        newest: Option<PythonVersion>,
    },
    /// A known minor version, but not this patch (or nothing for this target).
    NotAvailable {
        request: VersionRequest,
        available: Vec<PythonVersion>,
    },
    /// `requires-python` excludes every version (or the requested one).
    RequiresPythonExcludes {
        requires_python: String,
        chosen: Option<PythonVersion>,
        available: Vec<PythonVersion>,
    },
    /// The inventory has no archive at all for this target.
    NoArtifactsForTarget,
}

/// Picks the inventory artifact for the request. `artifacts` must be for the build's target,
/// newest first (as returned by `Inventory::for_target`).
///
/// # Errors
/// See [`ResolveError`].
pub(crate) fn resolve<'a>(
    requested: &RequestedPython,
    artifacts: &[&'a Artifact],
) -> Result<&'a Artifact, ResolveError> {
    if let Some(request) = requested.request
        && (request.major < 3 || (request.major == 3 && request.minor < OLDEST_SUPPORTED_MINOR))
    {
        return Err(ResolveError::EndOfLife(request));
    }
    if artifacts.is_empty() {
        return Err(ResolveError::NoArtifactsForTarget);
    }
    let available: Vec<PythonVersion> = artifacts.iter().map(|a| a.version).collect();
    let allowed = |version: PythonVersion| {
        requested
            .requires_python
            .as_ref()
            .is_none_or(|requires| requires.allows(version))
    };

    let chosen = match requested.request {
        Some(request) => {
            let Some(artifact) = artifacts.iter().find(|a| request.matches(a.version)) else {
                let newest = available.first().copied();
                let newer_than_inventory = newest.is_none_or(|newest| {
                    (request.major, request.minor) > (newest.major, newest.minor)
                });
                return Err(if newer_than_inventory {
                    ResolveError::Unknown { request, newest }
                } else {
                    ResolveError::NotAvailable { request, available }
                });
            };
            if !allowed(artifact.version) {
                return Err(ResolveError::RequiresPythonExcludes {
                    requires_python: requested
                        .requires_python
                        .as_ref()
                        .map(|r| r.text.clone())
                        .unwrap_or_default(),
                    chosen: Some(artifact.version),
                    available,
                });
            }
            *artifact
        }
        None => *artifacts
            .iter()
            .find(|a| allowed(a.version))
            .ok_or_else(|| ResolveError::RequiresPythonExcludes {
                requires_python: requested
                    .requires_python
                    .as_ref()
                    .map(|r| r.text.clone())
                    .unwrap_or_default(),
                chosen: None,
                available: available.clone(),
            })?,
    };
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(version: &str) -> Artifact {
        Artifact {
            version: version.parse().unwrap(),
            arch: "amd64".into(),
            distro_name: "debian".into(),
            distro_version: "12".into(),
            url: format!("https://x.invalid/python-{version}-debian-12-amd64.tar.zst"),
            sha256: None,
        }
    }

    fn req(file: &str) -> RequestedPython {
        RequestedPython {
            request: Some(parse_python_version_file(file).unwrap()),
            origin: VersionOrigin::PythonVersionFile,
            requires_python: None,
            runtime_txt_present: false,
        }
    }

    fn with_requires(mut requested: RequestedPython, spec: &str) -> RequestedPython {
        requested.requires_python =
            parse_requires_python(&format!("[project]\nrequires-python = \"{spec}\"")).unwrap();
        requested
    }

    #[test]
    fn parses_python_version_file() {
        assert_eq!(
            parse_python_version_file("# pinned\n\n 3.13 \n").unwrap(),
            VersionRequest {
                major: 3,
                minor: 13,
                patch: None
            }
        );
        assert_eq!(parse_python_version_file("3.11.2").unwrap().patch, Some(2));
        assert_eq!(
            parse_python_version_file("\u{feff}3.11.2\r\n")
                .unwrap()
                .patch,
            Some(2),
            "a UTF-8 BOM is ignored"
        );
        assert_eq!(
            parse_runtime_txt("\u{feff}python-3.12.1").unwrap().minor,
            12
        );
        for bad in [
            "3",
            "python-3.12",
            "3.12rc1",
            "3.12.*",
            "1..3",
            "system",
            "3.12.0\x1b",
        ] {
            assert!(
                matches!(
                    parse_python_version_file(bad),
                    Err(RequestedVersionError::InvalidSyntax(_, _))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_python_version_file("# nothing\n"),
            Err(RequestedVersionError::NoVersion(_))
        ));
        assert!(matches!(
            parse_python_version_file("3.12\n3.13\n"),
            Err(RequestedVersionError::MultipleVersions(_, lines)) if lines == ["3.12", "3.13"]
        ));
        // Control characters are made visible in the error.
        assert!(matches!(
            parse_python_version_file("3.12.0\x1b"),
            Err(RequestedVersionError::InvalidSyntax(_, line)) if line == "3.12.0\u{FFFD}"
        ));
    }

    #[test]
    fn parses_runtime_txt() {
        assert_eq!(parse_runtime_txt("python-3.13.5\n").unwrap().patch, Some(5));
        assert!(matches!(
            parse_runtime_txt("3.13.5"),
            Err(RequestedVersionError::InvalidSyntax(_, _))
        ));
    }

    #[test]
    fn parses_requires_python() {
        assert!(
            parse_requires_python("[project]\nname = \"x\"")
                .unwrap()
                .is_none()
        );
        assert!(parse_requires_python("[tool.x]\na = 1").unwrap().is_none());
        let requires = parse_requires_python("[project]\nrequires-python = \">=3.11,<3.13\"")
            .unwrap()
            .unwrap();
        assert!(requires.allows("3.12.1".parse().unwrap()));
        assert!(!requires.allows("3.13.0".parse().unwrap()));
        assert!(matches!(
            parse_requires_python("[project]\nrequires-python = \">=three\""),
            Err(RequestedVersionError::InvalidRequiresPython(_, _))
        ));
        assert!(matches!(
            parse_requires_python("[project\n"),
            Err(RequestedVersionError::InvalidPyprojectToml(_))
        ));
    }

    #[test]
    fn resolves_minor_to_newest_patch_and_exact_patch() {
        let inventory = [artifact("3.13.5"), artifact("3.13.2"), artifact("3.11.2")];
        let artifacts: Vec<&Artifact> = inventory.iter().collect();
        assert_eq!(
            resolve(&req("3.13"), &artifacts)
                .unwrap()
                .version
                .to_string(),
            "3.13.5"
        );
        assert_eq!(
            resolve(&req("3.13.2"), &artifacts)
                .unwrap()
                .version
                .to_string(),
            "3.13.2"
        );
        assert_eq!(
            resolve(&req("3.11"), &artifacts)
                .unwrap()
                .version
                .to_string(),
            "3.11.2"
        );
    }

    #[test]
    fn resolve_errors() {
        let inventory = [artifact("3.13.5"), artifact("3.11.2")];
        let artifacts: Vec<&Artifact> = inventory.iter().collect();
        assert!(matches!(
            resolve(&req("3.9"), &artifacts),
            Err(ResolveError::EndOfLife(_))
        ));
        assert!(matches!(
            resolve(&req("2.7.18"), &artifacts),
            Err(ResolveError::EndOfLife(_))
        ));
        assert!(matches!(
            resolve(&req("3.14"), &artifacts),
            Err(ResolveError::Unknown { .. })
        ));
        assert!(matches!(
            resolve(&req("4.0"), &artifacts),
            Err(ResolveError::Unknown { .. })
        ));
        assert!(matches!(
            resolve(&req("3.12"), &artifacts),
            Err(ResolveError::NotAvailable { .. })
        ));
        assert!(matches!(
            resolve(&req("3.13.99"), &artifacts),
            Err(ResolveError::NotAvailable { .. })
        ));
        assert_eq!(
            resolve(&req("3.13"), &[]),
            Err(ResolveError::NoArtifactsForTarget)
        );
    }

    #[test]
    fn requires_python_picks_newest_allowed_and_rejects_conflicts() {
        let inventory = [artifact("3.13.5"), artifact("3.11.2")];
        let artifacts: Vec<&Artifact> = inventory.iter().collect();
        let from_pyproject = with_requires(
            RequestedPython {
                request: None,
                origin: VersionOrigin::RequiresPython(String::new()),
                requires_python: None,
                runtime_txt_present: false,
            },
            "<3.13",
        );
        assert_eq!(
            resolve(&from_pyproject, &artifacts)
                .unwrap()
                .version
                .to_string(),
            "3.11.2"
        );
        assert!(matches!(
            resolve(&with_requires(req("3.13"), ">=3.10,<3.13"), &artifacts),
            Err(ResolveError::RequiresPythonExcludes {
                chosen: Some(_),
                ..
            })
        ));
        assert!(matches!(
            resolve(&with_requires(from_pyproject, ">=3.14"), &artifacts),
            Err(ResolveError::RequiresPythonExcludes { chosen: None, .. })
        ));
    }

    #[test]
    fn reads_files_with_precedence() {
        let dir = std::env::temp_dir().join(format!("assetpack-pv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let requested = read_requested_python(&dir).unwrap();
        assert_eq!(requested.origin, VersionOrigin::InventoryDefault);

        std::fs::write(
            dir.join("pyproject.toml"),
            "[project]\nrequires-python = \">=3.11\"",
        )
        .unwrap();
        assert!(matches!(
            read_requested_python(&dir).unwrap().origin,
            VersionOrigin::RequiresPython(_)
        ));

        std::fs::write(dir.join("runtime.txt"), "python-3.13.5").unwrap();
        let requested = read_requested_python(&dir).unwrap();
        assert_eq!(requested.origin, VersionOrigin::RuntimeTxt);
        assert!(requested.runtime_txt_present);

        std::fs::write(dir.join(".python-version"), "3.13").unwrap();
        assert_eq!(
            read_requested_python(&dir).unwrap().origin,
            VersionOrigin::PythonVersionFile
        );

        std::fs::write(dir.join(".python-version"), "3.11").unwrap();
        assert!(matches!(
            read_requested_python(&dir),
            Err(RequestedVersionError::Disagree { .. })
        ));

        // A Pipenv app's Pipfile comes after .python-version and runtime.txt, and must agree.
        std::fs::remove_file(dir.join("runtime.txt")).unwrap();
        std::fs::remove_file(dir.join(".python-version")).unwrap();
        std::fs::write(dir.join("Pipfile"), "[requires]\npython_version = '3.11'\n").unwrap();
        std::fs::write(dir.join("Pipfile.lock"), "{}").unwrap();
        let requested = read_requested_python(&dir).unwrap();
        assert_eq!(requested.origin, VersionOrigin::Pipfile("python_version"));
        assert_eq!(
            requested.origin.to_string(),
            "[requires] python_version in Pipfile"
        );
        std::fs::write(dir.join(".python-version"), "3.11.2").unwrap();
        assert_eq!(
            read_requested_python(&dir).unwrap().origin,
            VersionOrigin::PythonVersionFile
        );
        std::fs::write(dir.join(".python-version"), "3.13").unwrap();
        assert!(matches!(
            read_requested_python(&dir),
            Err(RequestedVersionError::Pipfile(
                crate::python::pipfile::PipfileError::Disagree(
                    VersionOrigin::PythonVersionFile,
                    ..
                )
            ))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
