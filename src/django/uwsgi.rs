//! uWSGI's `static-map` refuses files that resolve outside the mapped directory, and with
//! `--link` collected files are links to their sources: the log says how the files will be
//! collected, and warns when a uWSGI config in the app serves STATIC_ROOT while links are.

use super::helper::Probe;
use super::settings::LINK_ENV_VAR;
use std::path::{Path, PathBuf};

/// Says how collectstatic will write into the layer, and warns when a uWSGI config serves
/// STATIC_ROOT while links are collected.
pub(crate) fn log_collect_mode(
    app_dir: &Path,
    layers_root: &Path,
    static_root: &Path,
    probe: &Probe,
    link: bool,
) {
    if link {
        crate::output::info(format!(
            "STATIC_ROOT is {}; storage {} writes to the local filesystem, so collectstatic \
             links into the staticfiles layer ('--link')",
            static_root.display(),
            probe.storage_backend
        ));
        if let Some(config) = uwsgi_static_map(app_dir, static_root, probe) {
            crate::output::warning(
                "uWSGI serves STATIC_ROOT",
                format!(
                    "{} maps STATIC_ROOT with static-map. uWSGI refuses files that resolve \
                     outside the mapped directory, and with '--link' collected files are links \
                     to their sources. Set {LINK_ENV_VAR}=false to collect copies instead, or \
                     allow the sources with 'static-safe = {}' and 'static-safe = {}' in the \
                     uWSGI config.",
                    config.display(),
                    app_dir.display(),
                    layers_root.display()
                ),
            );
        }
    } else {
        crate::output::info(format!(
            "STATIC_ROOT is {}; {LINK_ENV_VAR}=false, so collectstatic copies into the \
             staticfiles layer",
            static_root.display(),
        ));
    }
}

/// A uWSGI config in the app's root directory (`*.ini`, `uwsgi.yaml`) whose `static-map`
/// serves STATIC_ROOT or `STATIC_URL`. Returns its path relative to the app.
fn uwsgi_static_map(app_dir: &Path, static_root: &Path, probe: &Probe) -> Option<PathBuf> {
    let static_url = probe
        .settings
        .get("STATIC_URL")
        .and_then(|text| serde_json::from_str::<String>(text).ok())
        .unwrap_or_default();
    let url = static_url.trim_matches('/');
    let root = static_root.to_string_lossy();
    let entries = std::fs::read_dir(app_dir).ok()?;
    let mut candidates: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "ini")
                || path.file_name().is_some_and(|name| name == "uwsgi.yaml")
        })
        .collect();
    candidates.sort();
    candidates.into_iter().find_map(|path| {
        let text = std::fs::read_to_string(&path).ok()?;
        let maps = text.lines().any(|line| {
            let line = line.trim();
            (line.starts_with("static-map") || line.starts_with("static-map2"))
                && (line.contains(root.as_ref())
                    || (!url.is_empty() && line.contains(&format!("/{url}"))))
        });
        maps.then(|| path.strip_prefix(app_dir).unwrap_or(&path).to_path_buf())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn finds_a_uwsgi_static_map_of_static_root() {
        let dir = tempfile::tempdir().unwrap();
        let probe = Probe {
            settings: BTreeMap::from([("STATIC_URL".to_string(), "\"/static/\"".to_string())]),
            ..Probe::default()
        };
        std::fs::write(
            dir.path().join("other.ini"),
            "[flake8]\nmax-line-length = 99\n",
        )
        .unwrap();
        assert_eq!(
            uwsgi_static_map(dir.path(), Path::new("staticfiles"), &probe),
            None
        );
        std::fs::write(
            dir.path().join("uwsgi.ini"),
            "[uwsgi]\nmodule = mysite.wsgi\nstatic-map = /static=%d/staticfiles\n",
        )
        .unwrap();
        assert_eq!(
            uwsgi_static_map(dir.path(), Path::new("staticfiles"), &probe),
            Some(PathBuf::from("uwsgi.ini"))
        );
    }
}
