//! Detection: does the app look like a Python project?
//!
//! The list is wider than the files the build can install from, so that a project with a
//! missing or misspelled file still detects and then gets a helpful build error.

use std::path::Path;

/// Files and directories whose presence in the app root marks a Python project.
pub(crate) const PYTHON_PROJECT_FILES: &[&str] = &[
    "requirements.txt",
    "pyproject.toml",
    "uv.lock",
    "poetry.lock",
    "Pipfile",
    "Pipfile.lock",
    "setup.py",
    "setup.cfg",
    ".python-version",
    "runtime.txt",
    "manage.py",
    "app.py",
    "main.py",
    "wsgi.py",
];

/// The names from [`PYTHON_PROJECT_FILES`] present in `app_dir`.
///
/// # Errors
/// Any I/O error other than "not found" while checking a path.
pub(crate) fn found_project_files(app_dir: &Path) -> std::io::Result<Vec<&'static str>> {
    let mut found = Vec::new();
    for name in PYTHON_PROJECT_FILES {
        if app_dir.join(name).try_exists()? {
            found.push(*name);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_known_files_only() {
        let dir = std::env::temp_dir().join(format!("assetpack-detect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(found_project_files(&dir).unwrap().is_empty());
        std::fs::write(dir.join("README.md"), "").unwrap();
        std::fs::write(dir.join("requirements.txt"), "").unwrap();
        std::fs::write(dir.join(".python-version"), "3.13").unwrap();
        assert_eq!(
            found_project_files(&dir).unwrap(),
            ["requirements.txt", ".python-version"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
