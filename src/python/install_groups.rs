//! `BP_INSTALL_GROUPS`: extra dependency groups to install into the venv, e.g. `test,docs` for
//! an image that runs the test suite in CI. Production images leave it unset.
//!
//! Per package manager (see the README's package manager table):
//! - uv: `uv sync --group <name>` per group (PEP 735 `[dependency-groups]`, or uv's
//!   `[tool.uv.dev-dependencies]` as `dev`);
//! - Poetry: the groups join `main` in `poetry sync --only main,<name>…`;
//! - Pipenv: `dev` installs `[dev-packages]` (`--dev`); other names are Pipfile categories;
//! - pip and `uv pip`: `requirements-<name>.txt` next to requirements.txt, installed with it
//!   (`-r requirements.txt -r requirements-<name>.txt`); the file must exist.
//!
//! The groups are part of the venv's key: changing them replaces the venv, and the log says so.

use std::path::Path;

/// The variable: comma-separated group names (spaces around names are ignored).
pub(crate) const INSTALL_GROUPS_ENV_VAR: &str = "BP_INSTALL_GROUPS";

/// Why `BP_INSTALL_GROUPS` can't be used.
#[derive(Debug)]
pub(crate) enum InstallGroupsError {
    /// A name with characters other than ASCII letters, digits, `-`, `_`, `.`.
    InvalidName(String),
    /// pip: `requirements-<group>.txt` doesn't exist: `(group, file name)`.
    MissingRequirementsFile(String, String),
}

/// The group names in `value`: split on commas, trimmed, empty entries dropped, sorted and
/// deduplicated (so `b, a` and `a,b` are the same key).
///
/// # Errors
/// [`InstallGroupsError::InvalidName`] for a name that isn't `[A-Za-z0-9._-]+`.
pub(crate) fn parse(value: Option<&str>) -> Result<Vec<String>, InstallGroupsError> {
    let mut groups = Vec::new();
    for name in value.unwrap_or_default().split(',').map(str::trim) {
        if name.is_empty() {
            continue;
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(InstallGroupsError::InvalidName(name.to_string()));
        }
        groups.push(name.to_string());
    }
    groups.sort();
    groups.dedup();
    Ok(groups)
}

/// pip's file for `group`: `requirements-<group>.txt`.
pub(crate) fn requirements_file(group: &str) -> String {
    format!("requirements-{group}.txt")
}

/// pip: the requirements files of `groups` in `app_dir`, checked to exist.
///
/// # Errors
/// [`InstallGroupsError::MissingRequirementsFile`] for the first missing one.
pub(crate) fn requirements_files(
    app_dir: &Path,
    groups: &[String],
) -> Result<Vec<String>, InstallGroupsError> {
    groups
        .iter()
        .map(|group| {
            let file = requirements_file(group);
            if app_dir.join(&file).is_file() {
                Ok(file)
            } else {
                Err(InstallGroupsError::MissingRequirementsFile(
                    group.clone(),
                    file,
                ))
            }
        })
        .collect()
}

/// The groups as stored in layer metadata and shown in the log: comma-separated, or `none`.
pub(crate) fn describe(groups: &[String]) -> String {
    if groups.is_empty() {
        "none".to_string()
    } else {
        groups.join(",")
    }
}

/// `(title, body)` for an [`InstallGroupsError`].
pub(crate) fn render(error: &InstallGroupsError) -> (String, String) {
    match error {
        InstallGroupsError::InvalidName(name) => (
            format!("Invalid {INSTALL_GROUPS_ENV_VAR}"),
            format!(
                "{INSTALL_GROUPS_ENV_VAR} names the group '{name}', but group names may only \
                 hold letters, digits, '-', '_' and '.'.\nSet it to a comma-separated list of \
                 dependency groups, e.g. {INSTALL_GROUPS_ENV_VAR}=test,docs, or unset it."
            ),
        ),
        InstallGroupsError::MissingRequirementsFile(group, file) => (
            format!("No requirements file for the group '{group}'"),
            format!(
                "{INSTALL_GROUPS_ENV_VAR} names the group '{group}'. For pip, a group is the \
                 file {file} next to requirements.txt, and the app's root directory has no such \
                 file.\nAdd {file} (it may '-r requirements.txt' or list just the extra \
                 packages), or remove '{group}' from {INSTALL_GROUPS_ENV_VAR}."
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sorted_unique_names() {
        assert!(parse(None).unwrap().is_empty());
        assert!(parse(Some(" , ")).unwrap().is_empty());
        assert_eq!(parse(Some("test, docs,test")).unwrap(), ["docs", "test"]);
        assert!(matches!(
            parse(Some("test,dev tools")),
            Err(InstallGroupsError::InvalidName(name)) if name == "dev tools"
        ));
        assert_eq!(describe(&[]), "none");
        assert_eq!(describe(&parse(Some("b,a")).unwrap()), "a,b");
    }

    #[test]
    fn errors_name_the_group_and_the_fix() {
        let (title, body) = render(&InstallGroupsError::InvalidName("a b".into()));
        assert_eq!(title, "Invalid BP_INSTALL_GROUPS");
        assert!(body.contains("'a b'") && body.contains("BP_INSTALL_GROUPS=test,docs"));
        let (title, body) = render(&InstallGroupsError::MissingRequirementsFile(
            "test".into(),
            "requirements-test.txt".into(),
        ));
        assert_eq!(title, "No requirements file for the group 'test'");
        assert!(body.contains("Add requirements-test.txt"), "{body}");
        assert!(
            body.contains("or remove 'test' from BP_INSTALL_GROUPS"),
            "{body}"
        );
    }

    #[test]
    fn pip_groups_need_their_file() {
        let dir = std::env::temp_dir().join(format!("assetpack-groups-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("requirements-test.txt"), "pytest\n").unwrap();
        assert_eq!(
            requirements_files(&dir, &["test".to_string()]).unwrap(),
            ["requirements-test.txt"]
        );
        let error = requirements_files(&dir, &["docs".to_string(), "test".to_string()]);
        assert!(matches!(
            error,
            Err(InstallGroupsError::MissingRequirementsFile(group, file))
                if group == "docs" && file == "requirements-docs.txt"
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
