//! Helpers every layer uses (the layers themselves live in their domains: `python::layers`,
//! `node::layers`, `django::staticfiles`): installing a runtime archive, the keep-or-discard
//! answer for a cached layer, removing layers a build no longer uses, and the cache layers'
//! common code ([`cache`]). Layer names sort so that `venv/bin` comes before `python/bin` on
//! PATH.

use crate::archive::{self, ArchiveError};
use libcnb::layer::RestoredLayerAction;
use std::path::Path;

pub(crate) mod cache;

/// Downloads a runtime archive (see [`archive::download_and_unpack`]) into a layer directory,
/// logging `Installing <what> from <url>`, each retry with its cause, and the duration.
///
/// # Errors
/// [`ArchiveError`] after the retries (the destination is left empty).
pub(crate) fn install_runtime_archive(
    what: &str,
    url: &str,
    sha256: Option<&str>,
    format: archive::Format,
    destination: &std::path::Path,
) -> Result<(), ArchiveError> {
    crate::output::info(format!(
        "Installing {what} from {}",
        crate::download::redact(url)
    ));
    let started = std::time::Instant::now();
    archive::download_and_unpack(url, sha256, format, destination, &|attempt, error| {
        crate::output::info(format!(
            "Download attempt {attempt} of {} failed ({}); retrying",
            archive::ATTEMPTS,
            archive::archive_error_summary(error)
        ));
    })?;
    crate::output::done(&format!("Installed {what}"), started);
    Ok(())
}

/// The `restored_layer_action` answer for a cached layer: keep it when nothing changed (no
/// `reasons`) and the restored layer directory `layer_dir` holds every path of `required`
/// (relative to the layer, e.g. `bin/python3`; symlinks must resolve), otherwise delete it,
/// with `"<discarding> since:"` and the reasons as a bullet list for the log (e.g.
/// `discarding` = `"Discarding cached Node.js 24.21.0"`). A missing path is the reason
/// `The cached layer is incomplete: <path> is missing`.
pub(crate) fn keep_unless_changed(
    layer_dir: &Path,
    required: &[&str],
    reasons: &[String],
    discarding: &str,
) -> (RestoredLayerAction, String) {
    let reasons: Vec<String> = reasons
        .iter()
        .cloned()
        .chain(missing_paths(layer_dir, required))
        .collect();
    if reasons.is_empty() {
        (RestoredLayerAction::KeepLayer, String::new())
    } else {
        (
            RestoredLayerAction::DeleteLayer,
            format!("{discarding} since:{}", bullet_list(&reasons)),
        )
    }
}

/// One reason per path of `required` (relative to `layer_dir`) that doesn't exist, or is a
/// symlink that doesn't resolve.
fn missing_paths(layer_dir: &Path, required: &[&str]) -> Vec<String> {
    required
        .iter()
        .filter(|path| !layer_dir.join(path).exists())
        .map(|path| format!("The cached layer is incomplete: {path} is missing"))
        .collect()
}

/// Compares cached layer metadata with the current one and lists, for people, what changed.
/// Each entry of `fields` is `(what, cached value, current value)`.
pub(crate) fn changed_fields(fields: &[(&str, &str, &str)]) -> Vec<String> {
    fields
        .iter()
        .filter(|(_, cached, current)| cached != current)
        .map(|(what, cached, current)| format!("The {what} has changed from {cached} to {current}"))
        .collect()
}

/// Change reasons for what most layers' contents depend on: the Python version and the CNB
/// target. Each argument is `[python_version, arch, distro_name, distro_version]`.
pub(crate) fn runtime_changes(cached: [&str; 4], current: [&str; 4]) -> Vec<String> {
    const WHAT: [&str; 4] = [
        "Python version",
        "target architecture",
        "target distro name",
        "target distro version",
    ];
    let fields: Vec<(&str, &str, &str)> = WHAT
        .into_iter()
        .zip(cached)
        .zip(current)
        .map(|((what, cached), current)| (what, cached, current))
        .collect();
    changed_fields(&fields)
}

/// Formats reasons as an indented bullet list.
pub(crate) fn bullet_list(reasons: &[String]) -> String {
    reasons.iter().fold(String::new(), |mut list, reason| {
        list.push_str("\n - ");
        list.push_str(reason);
        list
    })
}

/// Removing a cached layer this build doesn't use failed (see [`remove_unused_layers`]).
#[derive(Debug)]
pub(crate) struct UnusedLayerError {
    /// The layer directory or its `<name>.toml`.
    pub(crate) path: std::path::PathBuf,
    pub(crate) error: std::io::Error,
}

/// Removes the cached layers among `candidates` this build doesn't use (left by an earlier
/// build, e.g. `pip` after an app moved to uv, or `nodejs` after it dropped its build script),
/// so they don't stay in the build cache, or in later buildpacks' environment, forever. `used`
/// names the layers to keep.
///
/// # Errors
/// [`UnusedLayerError`] when a layer can't be deleted.
pub(crate) fn remove_unused_layers(
    layers_dir: &Path,
    candidates: &[&str],
    used: &[&str],
) -> Result<(), UnusedLayerError> {
    for &name in candidates {
        if used.contains(&name) {
            continue;
        }
        let dir = layers_dir.join(name);
        let toml = layers_dir.join(format!("{name}.toml"));
        let mut removed = false;
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|error| UnusedLayerError { path: dir, error })?;
            removed = true;
        }
        if toml.exists() {
            std::fs::remove_file(&toml).map_err(|error| UnusedLayerError { path: toml, error })?;
            removed = true;
        }
        if removed {
            crate::output::info(format!(
                "Removing the cached '{name}' layer: this build doesn't use it"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_unused_layers() {
        let dir = std::env::temp_dir().join(format!("assetpack-tool-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for name in ["pip", "uv", "venv"] {
            std::fs::create_dir_all(dir.join(name)).unwrap();
            std::fs::write(dir.join(format!("{name}.toml")), "").unwrap();
        }
        remove_unused_layers(
            &dir,
            &["pip", "pip-cache", "uv", "uv-cache"],
            &["uv", "uv-cache"],
        )
        .unwrap();
        assert!(!dir.join("pip").exists() && !dir.join("pip.toml").exists());
        assert!(dir.join("uv").exists() && dir.join("uv.toml").exists());
        assert!(dir.join("venv").exists(), "other layers are never touched");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lists_only_changed_fields() {
        let reasons = changed_fields(&[
            ("Python version", "3.13.5", "3.11.2"),
            ("target architecture", "amd64", "amd64"),
        ]);
        assert_eq!(
            reasons,
            ["The Python version has changed from 3.13.5 to 3.11.2"]
        );
        assert_eq!(
            runtime_changes(
                ["3.13.5", "amd64", "debian", "12"],
                ["3.13.5", "arm64", "debian", "13"]
            ),
            [
                "The target architecture has changed from amd64 to arm64",
                "The target distro version has changed from 12 to 13"
            ]
        );
        assert_eq!(
            bullet_list(&reasons),
            "\n - The Python version has changed from 3.13.5 to 3.11.2"
        );
        let layer = std::env::temp_dir().join(format!("assetpack-mod-{}", std::process::id()));
        assert!(matches!(
            keep_unless_changed(&layer, &[], &[], "Discarding cached Python 3.13.5"),
            (RestoredLayerAction::KeepLayer, ref message) if message.is_empty()
        ));
        let (action, message) =
            keep_unless_changed(&layer, &[], &reasons, "Discarding cached Python 3.13.5");
        assert!(matches!(action, RestoredLayerAction::DeleteLayer));
        assert_eq!(
            message,
            "Discarding cached Python 3.13.5 since:\n - The Python version has changed from 3.13.5 to 3.11.2"
        );
    }

    #[test]
    fn a_restored_layer_missing_a_required_path_is_discarded() {
        let layer =
            std::env::temp_dir().join(format!("assetpack-incomplete-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&layer);
        std::fs::create_dir_all(layer.join("bin")).unwrap();
        std::fs::write(layer.join("bin/python3.13"), "").unwrap();
        std::os::unix::fs::symlink("python3.13", layer.join("bin/python3")).unwrap();
        let required = ["bin/python3", "lib"];
        std::fs::create_dir(layer.join("lib")).unwrap();
        assert!(matches!(
            keep_unless_changed(&layer, &required, &[], "Discarding cached Python 3.13.5"),
            (RestoredLayerAction::KeepLayer, _)
        ));

        // A symlink that no longer resolves counts as missing.
        std::fs::remove_file(layer.join("bin/python3.13")).unwrap();
        let (action, message) =
            keep_unless_changed(&layer, &required, &[], "Discarding cached Python 3.13.5");
        assert!(matches!(action, RestoredLayerAction::DeleteLayer));
        assert_eq!(
            message,
            "Discarding cached Python 3.13.5 since:\n - The cached layer is incomplete: bin/python3 is missing"
        );

        std::fs::remove_dir(layer.join("lib")).unwrap();
        let (_, message) = keep_unless_changed(
            &layer,
            &required,
            &["The Python version has changed from 3.13.5 to 3.11.2".to_string()],
            "Discarding cached Python 3.13.5",
        );
        assert_eq!(
            message,
            "Discarding cached Python 3.13.5 since:\n - The Python version has changed from 3.13.5 to 3.11.2\n \
             - The cached layer is incomplete: bin/python3 is missing\n - The cached layer is \
             incomplete: lib is missing"
        );
        std::fs::remove_dir_all(&layer).unwrap();
    }
}
