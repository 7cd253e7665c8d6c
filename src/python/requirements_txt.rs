//! Fingerprinting `requirements.txt` for the dependency layer's cache key.
//!
//! The fingerprint is a sha256 over requirements.txt and every file it pulls in with
//! `-r`/`--requirement` or `-c`/`--constraint` (recursively, relative to the including file).
//! Lines that install from a local path (`.`, `./pkg`, `/abs`, `file:`, `-e <path>`) are
//! reported, since their content isn't covered by the fingerprint. So are includes the
//! buildpack can't read: a URL (`-r https://…`) or a path with an environment variable, which
//! pip expands (`-c ${VAR}/constraints.txt`).
//! Format reference: <https://pip.pypa.io/en/stable/reference/requirements-file-format/>

use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The result of fingerprinting.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    /// Lowercase hex sha256 over all included files (names and contents).
    pub(crate) sha256: String,
    /// Requirement lines that install from local paths.
    pub(crate) local_path_lines: Vec<String>,
    /// `-r`/`-c` lines whose file isn't covered: a URL or a path with `${VAR}`, as written.
    pub(crate) untracked_include_lines: Vec<String>,
}

/// Errors while reading an included file.
#[derive(Debug)]
pub(crate) struct FingerprintError {
    pub(crate) path: PathBuf,
    pub(crate) error: std::io::Error,
}

/// Fingerprints `requirements_file` (usually `<app>/requirements.txt`).
///
/// # Errors
/// [`FingerprintError`] naming the file that couldn't be read.
pub(crate) fn fingerprint(requirements_file: &Path) -> Result<Fingerprint, FingerprintError> {
    let mut hasher = Sha256::new();
    let mut local_path_lines = Vec::new();
    let mut untracked_include_lines = Vec::new();
    let mut seen = BTreeSet::new();
    let mut pending = vec![requirements_file.to_path_buf()];
    while let Some(path) = pending.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let contents = std::fs::read(&path).map_err(|error| FingerprintError {
            path: path.clone(),
            error,
        })?;
        hasher.update(path.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(&contents);
        hasher.update([0]);
        let base = path.parent().unwrap_or(Path::new(""));
        for line in logical_lines(&String::from_utf8_lossy(&contents)) {
            match classify(&line) {
                Line::Include(file) => pending.push(base.join(file)),
                Line::LocalPath => local_path_lines.push(line),
                Line::UntrackedInclude => untracked_include_lines.push(line),
                Line::Other => {}
            }
        }
    }
    Ok(Fingerprint {
        sha256: format!("{:x}", hasher.finalize()),
        local_path_lines,
        untracked_include_lines,
    })
}

/// Joins `\` continuations, strips comments (`#` at line start or after whitespace) and blanks.
pub(crate) fn logical_lines(contents: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for raw in contents.lines() {
        if let Some(stripped) = raw.strip_suffix('\\') {
            current.push_str(stripped);
            continue;
        }
        current.push_str(raw);
        let line = strip_comment(&current).trim().to_string();
        if !line.is_empty() {
            lines.push(line);
        }
        current.clear();
    }
    let line = strip_comment(&current).trim().to_string();
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn strip_comment(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    match line.find(" #").or_else(|| line.find("\t#")) {
        Some(index) => &line[..index],
        None => line,
    }
}

pub(crate) enum Line<'a> {
    Include(&'a str),
    /// An include pip resolves but the buildpack can't: a URL or a `${VAR}` path.
    UntrackedInclude,
    LocalPath,
    Other,
}

pub(crate) fn classify(line: &str) -> Line<'_> {
    for option in ["-r", "--requirement", "-c", "--constraint"] {
        if let Some(rest) = line.strip_prefix(option) {
            let rest = rest.strip_prefix('=').unwrap_or(rest);
            // "-rfile" is valid for the short forms; "--requirements" is not ours.
            if rest.starts_with(char::is_whitespace) || option.len() == 2 || line.contains('=') {
                let file = rest.trim();
                // pip reads URLs itself and expands `${NAME}` from its environment.
                if file.contains("://") || file.starts_with("file:") || file.contains("${") {
                    return Line::UntrackedInclude;
                }
                return Line::Include(file);
            }
        }
    }
    let target = ["-e", "--editable"]
        .iter()
        .find_map(|option| line.strip_prefix(option))
        .map_or(line, |rest| rest.trim_start_matches('=').trim());
    let is_local = target.starts_with('.')
        || target.starts_with('/')
        || target.starts_with("file:")
        || target.starts_with('~')
        // pip expands `${NAME}`: `-e ${PROJECT_ROOT}/pkg` is a local path as well.
        || target.starts_with("${");
    if is_local {
        Line::LocalPath
    } else {
        Line::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("assetpack-req-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn follows_includes_and_changes_with_them() {
        let dir = temp_dir("includes");
        std::fs::create_dir_all(dir.join("reqs")).unwrap();
        std::fs::write(
            dir.join("requirements.txt"),
            "flask==3.1.3  # web\n-r reqs/base.txt\n",
        )
        .unwrap();
        std::fs::write(dir.join("reqs/base.txt"), "-c constraints.txt\ngunicorn\n").unwrap();
        std::fs::write(dir.join("reqs/constraints.txt"), "gunicorn<28\n").unwrap();
        let first = fingerprint(&dir.join("requirements.txt")).unwrap();
        assert!(first.local_path_lines.is_empty());
        assert_eq!(first, fingerprint(&dir.join("requirements.txt")).unwrap());

        std::fs::write(dir.join("reqs/constraints.txt"), "gunicorn<27\n").unwrap();
        let second = fingerprint(&dir.join("requirements.txt")).unwrap();
        assert_ne!(
            first.sha256, second.sha256,
            "a nested constraint change changes the key"
        );

        std::fs::remove_file(dir.join("reqs/base.txt")).unwrap();
        let error = fingerprint(&dir.join("requirements.txt")).unwrap_err();
        assert!(error.path.ends_with("reqs/base.txt"));
    }

    #[test]
    fn reports_local_paths() {
        let dir = temp_dir("local");
        std::fs::write(
            dir.join("requirements.txt"),
            "# comment\n-e .\n./vendor/pkg\nrequests==2.0 \\\n  --hash=sha256:00\nfile:///tmp/x.whl\nhttps://example.invalid/x.whl\n-e ${ROOT}/lib\n",
        )
        .unwrap();
        let result = fingerprint(&dir.join("requirements.txt")).unwrap();
        assert_eq!(
            result.local_path_lines,
            [
                "-e .",
                "./vendor/pkg",
                "file:///tmp/x.whl",
                "-e ${ROOT}/lib"
            ]
        );
    }

    #[test]
    fn urls_and_environment_variables_in_includes_are_reported_not_read() {
        let dir = temp_dir("untracked");
        std::fs::write(
            dir.join("requirements.txt"),
            "flask\n-r https://example.invalid/base.txt\n-r local.txt\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("local.txt"),
            "-c ${CONSTRAINTS_DIR}/constraints.txt\n--constraint=file:///etc/c.txt\ngunicorn\n",
        )
        .unwrap();
        let result = fingerprint(&dir.join("requirements.txt")).unwrap();
        assert_eq!(
            result.untracked_include_lines,
            [
                "-r https://example.invalid/base.txt",
                "-c ${CONSTRAINTS_DIR}/constraints.txt",
                "--constraint=file:///etc/c.txt"
            ]
        );
        assert!(result.local_path_lines.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
