//! Where STATIC_ROOT is: the storage's location, resolved from manage.py's directory, must lie
//! inside the app directory (build and run paths are identical, so the link to the layer holds).

use super::errors::DjangoError;
use std::path::{Path, PathBuf};

/// Resolves the storage location (relative paths are relative to manage.py's directory) and
/// checks it is inside the app dir. Returns the path relative to the app dir.
///
/// # Errors
/// [`DjangoError::StaticRootOutsideApp`].
pub(crate) fn static_root_in_app(
    location: &Path,
    manage_dir: &Path,
    app_dir: &Path,
) -> Result<PathBuf, DjangoError> {
    let absolute = normalize(&manage_dir.join(location));
    match absolute.strip_prefix(normalize(app_dir)) {
        Ok(relative) if !relative.as_os_str().is_empty() => Ok(relative.to_path_buf()),
        _ => Err(DjangoError::StaticRootOutsideApp {
            static_root: absolute,
            app_dir: app_dir.to_path_buf(),
        }),
    }
}

/// Lexical normalisation (`.` and `..`), without touching the filesystem.
fn normalize(path: &Path) -> PathBuf {
    let mut normalized = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                normalized.pop();
            }
            other => normalized.push(other),
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_root_must_be_inside_the_app() {
        let app = Path::new("/workspace");
        assert_eq!(
            static_root_in_app(Path::new("/workspace/staticfiles"), app, app).unwrap(),
            Path::new("staticfiles")
        );
        assert_eq!(
            static_root_in_app(Path::new("build/../static"), app, app).unwrap(),
            Path::new("static")
        );
        assert_eq!(
            static_root_in_app(Path::new("../staticfiles"), &app.join("src"), app).unwrap(),
            Path::new("staticfiles"),
            "relative to manage.py's directory"
        );
        assert!(static_root_in_app(Path::new("/var/www/static"), app, app).is_err());
        assert!(static_root_in_app(Path::new("/workspace"), app, app).is_err());
        assert!(static_root_in_app(Path::new("/workspace/../static"), app, app).is_err());
    }
}
