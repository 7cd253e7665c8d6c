//! The `staticfiles` layer (launch + cache): Django's collectstatic output, outside the app
//! layer, reused across builds and updated incrementally.
//!
//! - The app's `STATIC_ROOT` becomes a symlink to `<layer>/static_root`. Build and run paths are
//!   identical, so the link (and the links `collectstatic --link` makes to the sources) stay
//!   valid at launch.
//! - Cache key: the content hash of every file the staticfiles finders collect (never mtimes:
//!   the lifecycle resets them), plus a config key over the settings and installed packages
//!   that shape the output. Same key: collectstatic is skipped and the layer is reused as is,
//!   so its digest doesn't change. Only files changed: the previous output is the starting
//!   point; the outputs of changed and removed sources (and their .gz/.br) are deleted first,
//!   WhiteNoise reuses the compressed siblings that remain, and files no input produces
//!   anymore are pruned. Config changed: the layer starts empty.
//! - Hashed copies whose bytes equal their source are replaced with links to the source.

use crate::command;
use crate::django::{DjangoError, Helper, InputFile, Probe};
use crate::layers::bullet_list;
use crate::output;
use crate::{BuildpackError, PythonBuildpack};
use libcnb::Env;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{
    CachedLayerDefinition, EmptyLayerCause, InvalidMetadataAction, LayerState, RestoredLayerAction,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::Path;
use std::time::Instant;

/// Bumped when the layer's layout or the collection logic changes, to start layers afresh.
/// A string: the lifecycle round-trips layer metadata through JSON, which turns TOML integers
/// into floats.
const FORMAT_VERSION: &str = "1";
const ROOT_DIR: &str = "static_root";
const INPUTS_FILE: &str = "inputs.json";

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Serialize)]
#[serde(deny_unknown_fields)]
struct StaticfilesLayerMetadata {
    format_version: String,
    static_root: String,
    config_key: String,
    files_key: String,
}

/// What the restored layer means for this build.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reuse {
    Unchanged,
    FilesChanged,
}

/// Changes between the previous and current inputs, by prefixed path.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct InputChanges {
    pub(crate) changed: Vec<String>,
    pub(crate) added: Vec<String>,
    pub(crate) removed: Vec<String>,
}

/// Runs (or skips) collectstatic for a local storage, into the staticfiles layer. `started` is
/// when the static files step began (its total time is logged).
///
/// # Errors
/// [`DjangoError`] for collectstatic failures and layer I/O; libcnb errors for layer handling.
pub(crate) fn collect_into_layer(
    context: &BuildContext<PythonBuildpack>,
    env: &Env,
    helper: &Helper,
    probe: &Probe,
    static_root: &Path,
    started: Instant,
) -> libcnb::Result<(), BuildpackError> {
    let metadata = StaticfilesLayerMetadata {
        format_version: FORMAT_VERSION.to_string(),
        static_root: static_root.display().to_string(),
        config_key: config_key(probe),
        files_key: files_key(&probe.files),
    };
    let layer = context.cached_layer(
        layer_name!("staticfiles"),
        CachedLayerDefinition {
            build: false,
            launch: true,
            invalid_metadata_action: &|_| InvalidMetadataAction::DeleteLayer,
            restored_layer_action: &|cached: &StaticfilesLayerMetadata, _| {
                restore_decision(cached, &metadata)
            },
        },
    )?;
    let root = layer.path().join(ROOT_DIR);
    let layer_error = |what: &str| {
        let what = what.to_string();
        move |error| DjangoError::Layer(what, error)
    };
    std::fs::create_dir_all(&root).map_err(layer_error("creating the staticfiles layer"))?;
    link_static_root(&context.app_dir.join(static_root), &root)?;

    let reuse = match &layer.state {
        LayerState::Restored { cause: Ok(reuse) } => Some(reuse.clone()),
        LayerState::Restored { cause: Err(_) } => None,
        LayerState::Empty { cause } => {
            match cause {
                EmptyLayerCause::RestoredLayerAction {
                    cause: Err(reasons),
                } => {
                    output::info(format!(
                        "Discarding the cached static files since:{}",
                        bullet_list(reasons)
                    ));
                }
                EmptyLayerCause::InvalidMetadataAction { .. } => output::info(
                    "Discarding the cached static files since their layer metadata can't be parsed",
                ),
                _ => {}
            }
            None
        }
    };
    let file_count = probe.files.len();
    if reuse == Some(Reuse::Unchanged) {
        output::info(format!(
            "Static inputs unchanged ({file_count} files, same settings and packages): \
             skipping collectstatic and reusing the staticfiles layer"
        ));
        output::done("Static files ready", started);
        return Ok(());
    }

    let incremental = reuse == Some(Reuse::FilesChanged);
    if incremental {
        let previous = read_inputs(&layer.path().join(INPUTS_FILE));
        let changes = diff_inputs(&previous, &probe.files);
        output::info(format!(
            "Static inputs changed since the last build ({} changed, {} added, {} removed): \
             updating the previous output",
            changes.changed.len(),
            changes.added.len(),
            changes.removed.len()
        ));
        remove_outputs(&root, changes.changed.iter().chain(&changes.removed))
            .map_err(layer_error("removing outdated static files"))?;
    } else {
        output::info(format!(
            "Collecting {file_count} static files into the staticfiles layer"
        ));
    }

    let stats_file = helper.scratch("collectstatic-stats.json");
    let mut collect = command::command("python", env);
    collect
        .arg(&helper.script)
        .args(["collectstatic", "--link"]);
    if incremental {
        collect.arg("--reuse-compressed");
    }
    output::info("Running 'python manage.py collectstatic --noinput --link'");
    let collect_started = Instant::now();
    command::run_streamed(
        collect.arg(&stats_file).current_dir(&context.app_dir),
        "python manage.py collectstatic --noinput --link",
    )
    .map_err(DjangoError::Collectstatic)?;
    output::done("Ran collectstatic", collect_started);
    if let Some(reused) = read_reused_compressed(&stats_file).filter(|reused| *reused > 0) {
        output::info(format!(
            "Reused {reused} compressed files (.br/.gz) from the previous build"
        ));
    }

    tidy_output(&layer.path(), probe).map_err(layer_error("tidying the collected static files"))?;
    layer.write_metadata(metadata)?;
    output::done("Static files ready", started);
    Ok(())
}

/// Keep the restored layer when only input files changed (or nothing did); start afresh when
/// the layout, STATIC_ROOT, the settings or the packages changed (with the reasons).
fn restore_decision(
    cached: &StaticfilesLayerMetadata,
    current: &StaticfilesLayerMetadata,
) -> (RestoredLayerAction, Result<Reuse, Vec<String>>) {
    let mut reasons = Vec::new();
    if cached.format_version != current.format_version {
        reasons.push("The buildpack's static files format has changed".to_string());
    }
    if cached.static_root != current.static_root {
        reasons.push(format!(
            "STATIC_ROOT has changed from {} to {}",
            cached.static_root, current.static_root
        ));
    }
    if cached.config_key != current.config_key {
        reasons
            .push("The static files settings or the installed packages have changed".to_string());
    }
    if !reasons.is_empty() {
        (RestoredLayerAction::DeleteLayer, Err(reasons))
    } else if cached.files_key == current.files_key {
        (RestoredLayerAction::KeepLayer, Ok(Reuse::Unchanged))
    } else {
        (RestoredLayerAction::KeepLayer, Ok(Reuse::FilesChanged))
    }
}

/// After collectstatic: prune what no input produces, link identical hashed copies, and
/// record the inputs for the next build.
fn tidy_output(layer_dir: &Path, probe: &Probe) -> io::Result<()> {
    let root = layer_dir.join(ROOT_DIR);
    let manifest = probe
        .manifest_name
        .as_deref()
        .filter(|_| probe.manifest_storage)
        .map(|name| read_manifest_paths(&root.join(name)))
        .unwrap_or_default();
    let pruned = prune(&root, &expected_outputs(probe, &manifest))?;
    if pruned > 0 {
        output::info(format!("Removed {pruned} files no current input produces"));
    }
    let (linked, bytes) = dedupe(&root, &manifest, &probe.files)?;
    if linked > 0 {
        output::info(format!(
            "Replaced {linked} hashed copies identical to their source with links ({}.{} MB not stored twice)",
            bytes / 1_000_000,
            bytes / 100_000 % 10
        ));
    }
    write_inputs(&layer_dir.join(INPUTS_FILE), &probe.files)
}

/// Runs collectstatic in copy mode for storages that don't write to the local filesystem
/// (`--link` can't symlink to a remote destination). Runs every build.
///
/// # Errors
/// [`DjangoError::Collectstatic`].
pub(crate) fn collect_remote(
    context: &BuildContext<PythonBuildpack>,
    env: &Env,
    helper: &Helper,
    started: Instant,
) -> Result<(), DjangoError> {
    output::info("Running 'python manage.py collectstatic --noinput'");
    command::run_streamed(
        command::command("python", env)
            .arg(&helper.script)
            .arg("collectstatic")
            .arg(helper.scratch("collectstatic-stats.json"))
            .current_dir(&context.app_dir),
        "python manage.py collectstatic --noinput",
    )
    .map_err(DjangoError::Collectstatic)?;
    output::done("Static files ready", started);
    Ok(())
}

/// Makes the app's `STATIC_ROOT` a symlink to the layer's root, replacing what was there.
fn link_static_root(static_root: &Path, layer_root: &Path) -> Result<(), DjangoError> {
    let error = |error| {
        DjangoError::Layer(
            format!("linking STATIC_ROOT ({})", static_root.display()),
            error,
        )
    };
    match std::fs::symlink_metadata(static_root) {
        Ok(existing) if existing.is_symlink() => {
            if std::fs::read_link(static_root).map_err(error)? == layer_root {
                return Ok(());
            }
            std::fs::remove_file(static_root).map_err(error)?;
        }
        Ok(existing) if existing.is_dir() => {
            output::info(format!(
                "Replacing {} from the app source with the staticfiles layer (collectstatic regenerates it)",
                static_root.display()
            ));
            std::fs::remove_dir_all(static_root).map_err(error)?;
        }
        Ok(_) => std::fs::remove_file(static_root).map_err(error)?,
        Err(io_error) if io_error.kind() == io::ErrorKind::NotFound => {}
        Err(io_error) => return Err(error(io_error)),
    }
    if let Some(parent) = static_root.parent() {
        std::fs::create_dir_all(parent).map_err(error)?;
    }
    std::os::unix::fs::symlink(layer_root, static_root).map_err(error)
}

/// Hash over what shapes the output besides the input files.
fn config_key(probe: &Probe) -> String {
    let mut hasher = Sha256::new();
    for part in [
        probe.storage_backend.as_str(),
        if probe.manifest_storage {
            "manifest"
        } else {
            ""
        },
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    for (name, value) in &probe.settings {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
        hasher.update([0]);
    }
    for package in &probe.packages {
        hasher.update(package.as_bytes());
        hasher.update([0]);
    }
    format!("{:x}", hasher.finalize())
}

/// Hash over every input's prefixed path and content hash.
fn files_key(files: &BTreeMap<String, InputFile>) -> String {
    let mut hasher = Sha256::new();
    for (path, file) in files {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(file.sha256.as_bytes());
        hasher.update([0]);
    }
    format!("{:x}", hasher.finalize())
}

pub(crate) fn diff_inputs(
    previous: &BTreeMap<String, String>,
    current: &BTreeMap<String, InputFile>,
) -> InputChanges {
    let mut changes = InputChanges::default();
    for (path, file) in current {
        match previous.get(path) {
            Some(sha) if *sha == file.sha256 => {}
            Some(_) => changes.changed.push(path.clone()),
            None => changes.added.push(path.clone()),
        }
    }
    changes.removed = previous
        .keys()
        .filter(|path| !current.contains_key(*path))
        .cloned()
        .collect();
    changes
}

/// Deletes `path`, `path.gz` and `path.br` under `root` for each given prefixed path.
fn remove_outputs<'a>(root: &Path, paths: impl Iterator<Item = &'a String>) -> io::Result<()> {
    for path in paths {
        for suffix in ["", ".gz", ".br"] {
            match std::fs::remove_file(root.join(format!("{path}{suffix}"))) {
                Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
                _ => {}
            }
        }
    }
    Ok(())
}

/// `original → hashed` from a Django `staticfiles.json`; empty if missing or unreadable.
fn read_manifest_paths(path: &Path) -> BTreeMap<String, String> {
    #[derive(Deserialize)]
    struct Manifest {
        paths: BTreeMap<String, String>,
    }
    std::fs::read_to_string(path)
        .ok()
        .and_then(|contents| serde_json::from_str::<Manifest>(&contents).ok())
        .map(|manifest| manifest.paths)
        .unwrap_or_default()
}

/// Every relative path the current inputs can produce: the collected names, the hashed
/// names in the manifest, the manifest itself, and the .gz/.br siblings of all of these.
pub(crate) fn expected_outputs(
    probe: &Probe,
    manifest: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = probe.files.keys().cloned().collect();
    names.extend(manifest.values().cloned());
    if let Some(name) = probe
        .manifest_name
        .as_ref()
        .filter(|_| probe.manifest_storage)
    {
        names.insert(name.clone());
    }
    let siblings: Vec<String> = names
        .iter()
        .flat_map(|name| [format!("{name}.gz"), format!("{name}.br")])
        .collect();
    names.extend(siblings);
    names
}

/// Removes files and links under `root` whose relative path isn't expected, then empty
/// directories. Returns how many files were removed.
pub(crate) fn prune(root: &Path, expected: &BTreeSet<String>) -> io::Result<usize> {
    fn walk(
        dir: &Path,
        root: &Path,
        expected: &BTreeSet<String>,
        removed: &mut usize,
    ) -> io::Result<bool> {
        let mut empty = true;
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                if walk(&path, root, expected, removed)? {
                    std::fs::remove_dir(&path)?;
                } else {
                    empty = false;
                }
                continue;
            }
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            if expected.contains(&relative) {
                empty = false;
            } else {
                std::fs::remove_file(&path)?;
                *removed += 1;
            }
        }
        Ok(empty)
    }
    let mut removed = 0;
    walk(root, root, expected, &mut removed)?;
    Ok(removed)
}

/// Replaces hashed copies whose bytes equal their source with a symlink to the source.
/// Returns `(files linked, bytes no longer stored)`.
pub(crate) fn dedupe(
    root: &Path,
    manifest: &BTreeMap<String, String>,
    files: &BTreeMap<String, InputFile>,
) -> io::Result<(usize, u64)> {
    let (mut linked, mut bytes) = (0, 0);
    for (original, hashed) in manifest {
        let Some(input) = files.get(original) else {
            continue;
        };
        let copy = root.join(hashed);
        let Ok(copy_metadata) = std::fs::symlink_metadata(&copy) else {
            continue;
        };
        let Ok(source_metadata) = std::fs::metadata(&input.source) else {
            continue;
        };
        if !copy_metadata.is_file() || copy_metadata.len() != source_metadata.len() {
            continue;
        }
        if file_sha256(&copy)? != input.sha256 {
            continue; // rewritten by the storage (e.g. CSS url()s): keep its own bytes
        }
        std::fs::remove_file(&copy)?;
        std::os::unix::fs::symlink(&input.source, &copy)?;
        linked += 1;
        bytes += copy_metadata.len();
    }
    Ok((linked, bytes))
}

fn file_sha256(path: &Path) -> io::Result<String> {
    let mut hasher = Sha256::new();
    io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok(format!("{:x}", hasher.finalize()))
}

fn read_inputs(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|contents| serde_json::from_str(&contents).ok())
        .unwrap_or_default()
}

fn write_inputs(path: &Path, files: &BTreeMap<String, InputFile>) -> io::Result<()> {
    let hashes: BTreeMap<&String, &String> = files
        .iter()
        .map(|(path, file)| (path, &file.sha256))
        .collect();
    std::fs::write(path, serde_json::to_vec(&hashes).map_err(io::Error::other)?)
}

fn read_reused_compressed(path: &Path) -> Option<u64> {
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    stats["reused_compressed"].as_u64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn input(sha: &str, source: &Path) -> InputFile {
        InputFile {
            sha256: sha.to_string(),
            source: source.to_path_buf(),
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("assetpack-static-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn diffs_inputs_by_content() {
        let previous = BTreeMap::from([
            ("a.css".to_string(), "1".to_string()),
            ("b.js".to_string(), "2".to_string()),
            ("gone.png".to_string(), "3".to_string()),
        ]);
        let current = BTreeMap::from([
            ("a.css".to_string(), input("1", Path::new("/a"))),
            ("b.js".to_string(), input("changed", Path::new("/b"))),
            ("new.svg".to_string(), input("4", Path::new("/n"))),
        ]);
        assert_eq!(
            diff_inputs(&previous, &current),
            InputChanges {
                changed: vec!["b.js".into()],
                added: vec!["new.svg".into()],
                removed: vec!["gone.png".into()]
            }
        );
    }

    #[test]
    fn prunes_what_no_input_produces_and_dedupes_identical_copies() {
        let dir = temp_dir("prune");
        let (root, src) = (dir.join("root"), dir.join("src"));
        std::fs::create_dir_all(root.join("css")).unwrap();
        std::fs::create_dir_all(root.join("old")).unwrap();
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("logo.png"), b"png-bytes").unwrap();
        std::fs::write(src.join("site.css"), b"body{}").unwrap();
        std::fs::write(root.join("logo.abc.png"), b"png-bytes").unwrap(); // identical copy
        std::fs::write(root.join("css/site.def.css"), b"body{} /* rewritten */").unwrap();
        std::fs::write(root.join("css/site.def.css.br"), b"br").unwrap();
        std::fs::write(root.join("css/site.old.css"), b"stale").unwrap();
        std::fs::write(root.join("old/gone.png"), b"stale").unwrap();
        std::fs::write(root.join("staticfiles.json"), b"{}").unwrap();

        let files = BTreeMap::from([
            (
                "logo.png".to_string(),
                input(
                    &format!("{:x}", Sha256::digest(b"png-bytes")),
                    &src.join("logo.png"),
                ),
            ),
            (
                "css/site.css".to_string(),
                input(
                    &format!("{:x}", Sha256::digest(b"body{}")),
                    &src.join("site.css"),
                ),
            ),
        ]);
        let manifest = BTreeMap::from([
            ("logo.png".to_string(), "logo.abc.png".to_string()),
            ("css/site.css".to_string(), "css/site.def.css".to_string()),
        ]);
        let probe = Probe {
            staticfiles_installed: true,
            static_root: None,
            storage_backend: String::new(),
            storage_is_local: true,
            storage_location: None,
            manifest_storage: true,
            manifest_name: Some("staticfiles.json".into()),
            settings: BTreeMap::new(),
            packages: Vec::new(),
            files: files.clone(),
        };
        let removed = prune(&root, &expected_outputs(&probe, &manifest)).unwrap();
        assert_eq!(removed, 2);
        assert!(!root.join("old").exists(), "empty directories go too");
        assert!(!root.join("css/site.old.css").exists());
        assert!(root.join("css/site.def.css.br").exists());

        let (linked, bytes) = dedupe(&root, &manifest, &files).unwrap();
        assert_eq!((linked, bytes), (1, 9));
        assert_eq!(
            std::fs::read_link(root.join("logo.abc.png")).unwrap(),
            src.join("logo.png")
        );
        assert!(
            std::fs::symlink_metadata(root.join("css/site.def.css"))
                .unwrap()
                .is_file(),
            "rewritten CSS keeps its bytes"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn removes_outputs_and_compressed_siblings() {
        let root = temp_dir("remove");
        for name in ["a.css", "a.css.gz", "a.css.br", "b.css"] {
            std::fs::write(root.join(name), b"x").unwrap();
        }
        remove_outputs(
            &root,
            ["a.css".to_string(), "missing.js".to_string()].iter(),
        )
        .unwrap();
        let left: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["b.css"]);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
