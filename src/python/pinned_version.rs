//! Tool versions pinned in `requirements/*.txt` (`name==X.Y.Z`, one line, so a dependency bot
//! can bump them), read at compile time.

/// The pinned pip version, from `requirements/pip.txt`.
pub(crate) const PIP_VERSION: &str =
    match extract_pinned_version(include_str!("../../requirements/pip.txt")) {
        Some(version) => version,
        None => panic!("requirements/pip.txt must contain 'pip==VERSION'"),
    };

/// The pinned uv version, from `requirements/uv.txt`.
pub(crate) const UV_VERSION: &str =
    match extract_pinned_version(include_str!("../../requirements/uv.txt")) {
        Some(version) => version,
        None => panic!("requirements/uv.txt must contain 'uv==VERSION'"),
    };

/// The pinned Poetry version, from `requirements/poetry.txt`.
pub(crate) const POETRY_VERSION: &str =
    match extract_pinned_version(include_str!("../../requirements/poetry.txt")) {
        Some(version) => version,
        None => panic!("requirements/poetry.txt must contain 'poetry==VERSION'"),
    };

/// The pinned Pipenv version, from `requirements/pipenv.txt`.
pub(crate) const PIPENV_VERSION: &str =
    match extract_pinned_version(include_str!("../../requirements/pipenv.txt")) {
        Some(version) => version,
        None => panic!("requirements/pipenv.txt must contain 'pipenv==VERSION'"),
    };

/// Returns `VERSION` from `name==VERSION` (trailing newline allowed), at compile time.
pub(crate) const fn extract_pinned_version(contents: &str) -> Option<&str> {
    let bytes = contents.as_bytes();
    let mut index = 0;
    while index + 1 < bytes.len() {
        if bytes[index] == b'=' && bytes[index + 1] == b'=' {
            let (_, rest) = contents.split_at(index + 2);
            let rest_bytes = rest.as_bytes();
            let mut end = 0;
            while end < rest_bytes.len() && rest_bytes[end] != b'\n' && rest_bytes[end] != b'\r' {
                end += 1;
            }
            let (version, _) = rest.split_at(end);
            return if version.is_empty() {
                None
            } else {
                Some(version)
            };
        }
        index += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_pinned_version() {
        assert_eq!(extract_pinned_version("pip==26.3\n"), Some("26.3"));
        assert_eq!(extract_pinned_version("uv==0.13.9\r\n"), Some("0.13.9"));
        assert_eq!(extract_pinned_version("pip==1.2.3"), Some("1.2.3"));
        assert_eq!(extract_pinned_version("pip\n"), None);
        assert_eq!(extract_pinned_version("pip==\n"), None);
        assert_eq!(PIP_VERSION, "26.3");
        assert_eq!(UV_VERSION, "0.13.9");
        assert_eq!(POETRY_VERSION, "2.5.1");
        assert_eq!(PIPENV_VERSION, "2026.10.3");
    }
}
