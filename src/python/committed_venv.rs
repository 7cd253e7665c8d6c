//! Virtual environments committed with the app: a directory holding a `pyvenv.cfg` (PEP 405),
//! checked in the app's root directory itself and one level down (`.venv/`, `venv/`, `env/`, …).
//!
//! Such a venv was made on another machine: its interpreter path (`home` in `pyvenv.cfg`, the
//! `bin/python` link) points at a Python that isn't in the image, and its packages may not
//! match the lockfile. The buildpack never uses it (`PATH` and `VIRTUAL_ENV` point at the
//! `venv` layer, and every package manager is told to install there); it only warns, so the
//! user can stop shipping it.

use crate::output;
use std::path::{Path, PathBuf};

/// The PEP 405 marker file of a virtual environment.
pub(crate) const PYVENV_CFG: &str = "pyvenv.cfg";

/// The virtual environments in `app_dir`: the app root itself (as `.`) and its direct
/// subdirectories (not following symlinks) that hold a `pyvenv.cfg`, relative to `app_dir`,
/// sorted. Unreadable directories are skipped: this is only a check for a warning.
pub(crate) fn find(app_dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if app_dir.join(PYVENV_CFG).is_file() {
        found.push(PathBuf::from("."));
    }
    if let Ok(entries) = std::fs::read_dir(app_dir) {
        for entry in entries.filter_map(Result::ok) {
            let is_dir = entry.file_type().is_ok_and(|kind| kind.is_dir());
            if is_dir && entry.path().join(PYVENV_CFG).is_file() {
                found.push(PathBuf::from(entry.file_name()));
            }
        }
    }
    found.sort();
    found
}

/// The warning for committed venvs `found` (from [`find`]); `None` when there are none.
pub(crate) fn warning(found: &[PathBuf]) -> Option<(String, String)> {
    if found.is_empty() {
        return None;
    }
    let root = found.iter().any(|dir| dir == Path::new("."));
    let subdirs: Vec<String> = found
        .iter()
        .filter(|dir| *dir != Path::new("."))
        .map(|dir| format!("{}/", dir.display()))
        .collect();
    let mut lines = Vec::new();
    if !subdirs.is_empty() {
        lines.push(format!(
            "The app contains a virtual environment ({PYVENV_CFG} found): {}.",
            subdirs.join(", ")
        ));
    }
    if root {
        lines.push(format!(
            "The app's root directory is itself a virtual environment ({PYVENV_CFG} found)."
        ));
    }
    lines.push(
        "It was made on another machine and can't work in the image, so the buildpack ignores \
         it: the app runs in the buildpack's own virtual environment (PATH and VIRTUAL_ENV point \
         there), with the dependencies from the package manager's file."
            .to_string(),
    );
    lines.push(match subdirs.first() {
        None => format!(
            "Build from the project directory instead, or delete {PYVENV_CFG}, bin/ and lib/ \
             from the app."
        ),
        Some(first) => format!(
            "Keep it out of the app: add '{first}' to .gitignore (and 'git rm -r --cached \
             {first}'), or exclude it in project.toml:\n  [io.buildpacks]\n  exclude = [\"{first}\"]"
        ),
    });
    let body = lines.join("\n");
    Some((
        "A committed virtual environment is ignored".to_string(),
        body,
    ))
}

/// Logs the warning for the committed venvs in `app_dir`, if any.
pub(crate) fn warn_if_committed(app_dir: &Path) {
    if let Some((title, body)) = warning(&find(app_dir)) {
        output::warning(title, body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_venvs_in_root_and_one_level_down() {
        let dir = std::env::temp_dir().join(format!("assetpack-venvs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".venv/bin")).unwrap();
        std::fs::create_dir_all(dir.join("src/deep/.venv")).unwrap();
        std::fs::create_dir_all(dir.join("venv")).unwrap();
        assert!(find(&dir).is_empty());
        assert!(warning(&find(&dir)).is_none());

        std::fs::write(dir.join(".venv/pyvenv.cfg"), "home = /nowhere\n").unwrap();
        std::fs::write(dir.join("venv/pyvenv.cfg"), "").unwrap();
        std::fs::write(dir.join("src/deep/.venv/pyvenv.cfg"), "").unwrap();
        assert_eq!(find(&dir), [PathBuf::from(".venv"), PathBuf::from("venv")]);
        let (title, body) = warning(&find(&dir)).unwrap();
        assert_eq!(title, "A committed virtual environment is ignored");
        assert!(
            body.starts_with(
                "The app contains a virtual environment (pyvenv.cfg found): .venv/, venv/.\n"
            ),
            "{body}"
        );
        assert!(body.contains("add '.venv/' to .gitignore"), "{body}");
        assert!(body.contains("exclude = [\".venv/\"]"), "{body}");

        std::fs::write(dir.join("pyvenv.cfg"), "").unwrap();
        let found = find(&dir);
        assert_eq!(found[0], PathBuf::from("."));
        let (_, body) = warning(&found).unwrap();
        assert!(body.contains("The app's root directory is itself a virtual environment"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn root_only_venv_has_its_own_fix() {
        let (_, body) = warning(&[PathBuf::from(".")]).unwrap();
        assert!(!body.contains("The app contains"), "{body}");
        assert!(body.contains("delete pyvenv.cfg, bin/ and lib/"), "{body}");
    }
}
