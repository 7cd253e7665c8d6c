//! Which Node.js version to install: from `package.json` `engines.node`, then `.nvmrc`, then
//! `.node-version`, else the newest LTS release in the inventory.
//!
//! Requirements are npm semver ranges (<https://docs.npmjs.com/cli/v11/using-npm/semver>):
//! `24`, `24.x`, `^24.1`, `>=22 <25`, `24.21.0`, `v24.21.0`. The version files also take nvm's
//! aliases (<https://github.com/nvm-sh/nvm#nvmrc>): `lts/*`, `lts/<codename>` (e.g.
//! `lts/krypton`), and `node` / `latest` / `current` for the newest release.

use crate::node::inventory::NodeArtifact;
use node_semver::Range;
use std::fmt;
use std::path::{Path, PathBuf};

pub(crate) const NVMRC: &str = ".nvmrc";
pub(crate) const NODE_VERSION_FILE: &str = ".node-version";

/// Where the requirement came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NodeVersionOrigin {
    EnginesNode,
    File(&'static str),
    Default,
}

impl fmt::Display for NodeVersionOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EnginesNode => f.write_str("package.json engines.node"),
            Self::File(name) => f.write_str(name),
            Self::Default => f.write_str("the default: the newest LTS release"),
        }
    }
}

/// A parsed requirement.
#[derive(Clone, Debug)]
pub(crate) enum NodeRequirement {
    Range(Range),
    /// `lts/*` (and the default): the newest LTS release.
    NewestLts,
    /// `lts/<codename>`, lowercase.
    LtsCodename(String),
    /// `node`, `latest`, `current`: the newest release.
    Newest,
}

/// The requirement with where it came from and how it was written.
#[derive(Clone, Debug)]
pub(crate) struct RequestedNode {
    pub(crate) requirement: NodeRequirement,
    pub(crate) origin: NodeVersionOrigin,
    /// As written, e.g. `>=22 <25`; empty for the default.
    pub(crate) written: String,
}

/// Why the requested version couldn't be read.
#[derive(Debug)]
pub(crate) enum NodeVersionError {
    ReadFile(&'static str, std::io::Error),
    /// `(origin, text)`: not a semver range or alias.
    InvalidRange(NodeVersionOrigin, String),
}

/// Reads the requirement: `engines_node` (from package.json) first, then the version files in
/// `app_dir`.
///
/// # Errors
/// [`NodeVersionError`] for unreadable files or invalid ranges.
pub(crate) fn read_requested_node(
    app_dir: &Path,
    engines_node: Option<&str>,
) -> Result<RequestedNode, NodeVersionError> {
    if let Some(range) = engines_node
        .map(str::trim)
        .filter(|range| !range.is_empty())
    {
        return parse_requirement(range, NodeVersionOrigin::EnginesNode);
    }
    for name in [NVMRC, NODE_VERSION_FILE] {
        let path: PathBuf = app_dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(contents) => {
                // The first line that isn't blank or a comment (after a UTF-8 BOM, if any).
                if let Some(line) = contents
                    .strip_prefix('\u{feff}')
                    .unwrap_or(&contents)
                    .lines()
                    .map(str::trim)
                    .find(|line| !line.is_empty() && !line.starts_with('#'))
                {
                    return parse_requirement(line, NodeVersionOrigin::File(name));
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(NodeVersionError::ReadFile(name, error)),
        }
    }
    Ok(RequestedNode {
        requirement: NodeRequirement::NewestLts,
        origin: NodeVersionOrigin::Default,
        written: String::new(),
    })
}

pub(crate) fn parse_requirement(
    text: &str,
    origin: NodeVersionOrigin,
) -> Result<RequestedNode, NodeVersionError> {
    let lower = text.to_ascii_lowercase();
    let requirement = match lower.as_str() {
        "lts/*" => NodeRequirement::NewestLts,
        "node" | "latest" | "current" | "*" => NodeRequirement::Newest,
        _ => {
            if let Some(codename) = lower.strip_prefix("lts/") {
                NodeRequirement::LtsCodename(codename.to_string())
            } else {
                // nvm writes versions as `v24.21.0`; semver ranges don't take the `v` after
                // an operator, so drop it wherever it starts a version.
                let cleaned = lower
                    .split(' ')
                    .map(|part| {
                        let operator_end = part
                            .find(|c: char| !matches!(c, '<' | '>' | '=' | '^' | '~'))
                            .unwrap_or(part.len());
                        let (operator, version) = part.split_at(operator_end);
                        match version.strip_prefix('v') {
                            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => {
                                format!("{operator}{rest}")
                            }
                            _ => part.to_string(),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                NodeRequirement::Range(parse_range(&cleaned).ok_or_else(|| {
                    NodeVersionError::InvalidRange(origin.clone(), text.to_string())
                })?)
            }
        }
    };
    Ok(RequestedNode {
        requirement,
        origin,
        written: text.to_string(),
    })
}

/// `Range::parse`, with its panics (node-semver 2 hits `unreachable!` on `=x`, `=*`, `~x`, …)
/// turned into `None` like any other invalid range. The panic message is kept out of the log.
fn parse_range(text: &str) -> Option<Range> {
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| Range::parse(text));
    std::panic::set_hook(previous_hook);
    result.ok()?.ok()
}

/// Picks the newest artifact satisfying the requirement. `artifacts` is newest first.
/// Pre-releases are never picked.
pub(crate) fn resolve<'a>(
    requirement: &NodeRequirement,
    artifacts: &[&'a NodeArtifact],
) -> Option<&'a NodeArtifact> {
    // An inventory without LTS markers still has a default: its newest release.
    let no_lts_markers = artifacts.iter().all(|artifact| artifact.lts.is_none());
    artifacts
        .iter()
        .filter(|artifact| !artifact.version.is_prerelease())
        .find(|artifact| match requirement {
            NodeRequirement::Range(range) => artifact.version.satisfies(range),
            NodeRequirement::NewestLts => artifact.lts.is_some() || no_lts_markers,
            NodeRequirement::LtsCodename(codename) => artifact
                .lts
                .as_deref()
                .is_some_and(|lts| lts.eq_ignore_ascii_case(codename)),
            NodeRequirement::Newest => true,
        })
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use node_semver::Version;

    fn artifact(version: &str, lts: Option<&str>) -> NodeArtifact {
        NodeArtifact {
            version: Version::parse(version).unwrap(),
            arch: "amd64".into(),
            lts: lts.map(str::to_string),
            url: format!("https://example.invalid/node-v{version}-linux-x64.tar.gz"),
            sha256: "0".repeat(64),
        }
    }

    fn resolved(text: &str, artifacts: &[&NodeArtifact]) -> Option<String> {
        let requested = parse_requirement(text, NodeVersionOrigin::EnginesNode).unwrap();
        resolve(&requested.requirement, artifacts).map(|artifact| artifact.version.to_string())
    }

    #[test]
    fn resolves_ranges_aliases_and_the_default() {
        let (a, b, c, d) = (
            artifact("26.10.0", None),
            artifact("24.21.0", Some("Krypton")),
            artifact("24.9.0", Some("Krypton")),
            artifact("22.23.3", Some("Jod")),
        );
        let all = [&a, &b, &c, &d];
        assert_eq!(resolved("24", &all).as_deref(), Some("24.21.0"));
        assert_eq!(resolved("24.x", &all).as_deref(), Some("24.21.0"));
        assert_eq!(resolved(">=22 <24", &all).as_deref(), Some("22.23.3"));
        assert_eq!(resolved("^24.1", &all).as_deref(), Some("24.21.0"));
        assert_eq!(resolved("24.9.0", &all).as_deref(), Some("24.9.0"));
        assert_eq!(resolved("v24.9.0", &all).as_deref(), Some("24.9.0"));
        assert_eq!(resolved(">=v26", &all).as_deref(), Some("26.10.0"));
        assert_eq!(resolved("22 || 24", &all).as_deref(), Some("24.21.0"));
        assert_eq!(resolved("lts/*", &all).as_deref(), Some("24.21.0"));
        assert_eq!(resolved("lts/jod", &all).as_deref(), Some("22.23.3"));
        assert_eq!(resolved("node", &all).as_deref(), Some("26.10.0"));
        assert_eq!(resolved("20", &all), None);
        assert_eq!(resolved("lts/iron", &all), None);
        assert_eq!(
            resolve(&NodeRequirement::NewestLts, &[&a]).map(|x| x.version.to_string()),
            Some("26.10.0".into()),
            "no LTS markers at all: newest"
        );
    }

    #[test]
    fn ranges_that_panic_node_semver_are_invalid() {
        for text in ["=x", "=*", "~x", "~*", "=X", "=x.1", " =x ", "1 || =*"] {
            assert!(
                matches!(
                    parse_requirement(text, NodeVersionOrigin::EnginesNode),
                    Err(NodeVersionError::InvalidRange(NodeVersionOrigin::EnginesNode, ref written)) if written == text
                ),
                "{text}"
            );
        }
        assert!(parse_requirement("1.x", NodeVersionOrigin::EnginesNode).is_ok());
    }

    #[test]
    fn reads_engines_then_files() {
        let dir = std::env::temp_dir().join(format!("assetpack-nodever-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let default = read_requested_node(&dir, None).unwrap();
        assert_eq!(default.origin, NodeVersionOrigin::Default);
        std::fs::write(dir.join(NODE_VERSION_FILE), "22\n").unwrap();
        assert_eq!(
            read_requested_node(&dir, None).unwrap().origin,
            NodeVersionOrigin::File(NODE_VERSION_FILE)
        );
        std::fs::write(dir.join(NVMRC), "\u{feff}# pinned\n\nlts/krypton\n").unwrap();
        let nvmrc = read_requested_node(&dir, None).unwrap();
        assert_eq!(nvmrc.origin, NodeVersionOrigin::File(NVMRC));
        assert_eq!(nvmrc.written, "lts/krypton");
        let engines = read_requested_node(&dir, Some(">=22")).unwrap();
        assert_eq!(engines.origin, NodeVersionOrigin::EnginesNode);
        std::fs::write(dir.join(NVMRC), "twenty\n").unwrap();
        assert!(matches!(
            read_requested_node(&dir, None),
            Err(NodeVersionError::InvalidRange(NodeVersionOrigin::File(NVMRC), text)) if text == "twenty"
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
