//! The `staticfiles` layer (launch + cache): Django's collectstatic output, outside the app
//! layer, reused across builds and updated incrementally.
//!
//! - The app's `STATIC_ROOT` becomes a symlink to `<layer>/static_root`. Build and run paths are
//!   identical, so the link (and the links `collectstatic --link` makes to the sources) stay
//!   valid at launch — for sources in the launch image. A source anywhere else (`node_modules` in
//!   a build-only layer, a cache, a temp dir) is copied instead ([`LaunchImage`]).
//!   `BP_COLLECTSTATIC_LINK=false` copies everything (e.g. for uWSGI's static-map).
//! - Cache key: the content hash of every file the staticfiles finders collect (never mtimes:
//!   the lifecycle resets them), plus a config key over the settings (in a canonical form) and
//!   the packages that shape the output (Django, the storage's and finders' packages,
//!   compression libraries). Same key: collectstatic is skipped and the layer is reused as is,
//!   so its digest doesn't change. Only files changed: the previous output is the starting
//!   point; the outputs of changed and removed sources (and their .gz/.br) are deleted first,
//!   WhiteNoise reuses the compressed siblings that remain, and files no input produces
//!   anymore are pruned. Config changed: the layer starts empty, and the log names what changed.
//! - The layer's tree (names, kinds, sizes, link targets) is fingerprinted after the step; a
//!   restored layer whose tree differs (e.g. a `bin/post_compile` ran collectstatic into it)
//!   isn't trusted.
//! - Hashed copies whose bytes equal their source are replaced with links to the source.

use super::errors::DjangoError;
use super::fsname;
use super::helper::{Helper, InputFile, Probe};
use super::launch_image::LaunchImage;
use crate::command;
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
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

/// Bumped when the layer's layout or the collection logic changes, to start layers afresh.
/// A string: the lifecycle round-trips layer metadata through JSON, which turns TOML integers
/// into floats.
const FORMAT_VERSION: &str = "2";
const ROOT_DIR: &str = "static_root";
const INPUTS_FILE: &str = "inputs.json";
const CONFIG_FILE: &str = "config.json";
/// Files that may sit in a committed, otherwise empty STATIC_ROOT; replacing them loses nothing.
const PLACEHOLDERS: [&str; 3] = [".gitkeep", ".keep", ".gitignore"];

#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Serialize)]
#[serde(deny_unknown_fields)]
struct StaticfilesLayerMetadata {
    format_version: String,
    static_root: String,
    /// `link` or `copy`.
    mode: String,
    config_key: String,
    files_key: String,
    /// [`tree_key`] of the collected files when the step ended.
    output_key: String,
}

/// What shapes the output besides the input files, kept in the layer (`config.json`) so that
/// the next build can say what changed.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq, Serialize)]
struct ConfigRecord {
    storage_backend: String,
    manifest_storage: bool,
    settings: BTreeMap<String, String>,
    packages: BTreeMap<String, String>,
}

impl ConfigRecord {
    fn from_probe(probe: &Probe) -> Self {
        Self {
            storage_backend: probe.storage_backend.clone(),
            manifest_storage: probe.manifest_storage,
            settings: probe.settings.clone(),
            packages: probe.packages.clone(),
        }
    }

    /// sha256 over the record's JSON (maps serialize in key order).
    fn key(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("{:x}", Sha256::digest(json))
    }
}

/// What the restored layer means for this build.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reuse {
    Unchanged,
    /// Holds the previous build's record of its inputs (prefixed path → sha256).
    FilesChanged(BTreeMap<String, String>),
}

/// Changes between the previous and current inputs, by prefixed path.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct InputChanges {
    pub(crate) changed: Vec<String>,
    pub(crate) added: Vec<String>,
    pub(crate) removed: Vec<String>,
}

/// One run of the static files step: what the Django helper found and how to collect.
pub(crate) struct StaticRun<'a> {
    pub(crate) context: &'a BuildContext<PythonBuildpack>,
    pub(crate) env: &'a Env,
    pub(crate) helper: &'a Helper,
    pub(crate) probe: &'a Probe,
    /// manage.py's directory: collectstatic runs from there.
    pub(crate) manage_dir: &'a Path,
    /// `collectstatic --link` (the default) or copies (`BP_COLLECTSTATIC_LINK=false`).
    pub(crate) link: bool,
    /// When the static files step began (its total time is logged).
    pub(crate) started: Instant,
}

/// What the helper's collectstatic run reports.
#[derive(Debug, Default, Deserialize)]
struct CollectStats {
    #[serde(default)]
    reused_compressed: u64,
    #[serde(default)]
    copied: u64,
    /// Original → hashed path (fsnames), for manifest storages.
    #[serde(default)]
    manifest_paths: Option<BTreeMap<String, String>>,
}

/// Runs (or skips) collectstatic for a local storage, into the staticfiles layer.
///
/// # Errors
/// [`DjangoError`] for collectstatic failures, a STATIC_ROOT that already holds files, and
/// layer I/O; libcnb errors for layer handling.
pub(crate) fn collect_into_layer(
    run: &StaticRun<'_>,
    static_root: &Path,
) -> libcnb::Result<(), BuildpackError> {
    let StaticRun {
        context,
        probe,
        link,
        started,
        ..
    } = *run;
    let app_static_root = context.app_dir.join(static_root);
    check_static_root(&app_static_root, &context.app_dir, probe)?;

    let config = ConfigRecord::from_probe(probe);
    let mut metadata = StaticfilesLayerMetadata {
        format_version: FORMAT_VERSION.to_string(),
        static_root: static_root.display().to_string(),
        mode: if link { "link" } else { "copy" }.to_string(),
        config_key: config.key(),
        files_key: files_key(&probe.files),
        output_key: String::new(),
    };
    let layer = context.cached_layer(
        layer_name!("staticfiles"),
        CachedLayerDefinition {
            build: false,
            launch: true,
            invalid_metadata_action: &|_| InvalidMetadataAction::DeleteLayer,
            restored_layer_action: &|cached: &StaticfilesLayerMetadata, layer_dir: &Path| {
                restore_decision(cached, &metadata, &config, layer_dir)
            },
        },
    )?;
    let root = layer.path().join(ROOT_DIR);
    std::fs::create_dir_all(&root).map_err(layer_error("creating the staticfiles layer"))?;
    link_static_root(&app_static_root, &root)?;

    let reuse = reuse_of(&layer.state);
    let file_count = probe.files.len();
    if reuse == Some(Reuse::Unchanged) {
        output::info(format!(
            "Static inputs unchanged ({file_count} files, same settings and packages): \
             skipping collectstatic and reusing the staticfiles layer"
        ));
        output::done("Static files ready", started);
        return Ok(());
    }

    let incremental = matches!(reuse, Some(Reuse::FilesChanged(_)));
    if let Some(Reuse::FilesChanged(previous)) = &reuse {
        let changes = diff_inputs(previous, &probe.files);
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

    let copies = if link {
        sources_outside_launch_image(context, probe)
    } else {
        BTreeSet::new()
    };
    let stats = run_collectstatic(run, incremental, &copies)?;
    if stats.reused_compressed > 0 {
        output::info(format!(
            "Reused {} compressed files (.br/.gz) from the previous build",
            stats.reused_compressed
        ));
    }
    if let Some(example) = copies.first().filter(|_| stats.copied > 0) {
        output::info(format!(
            "Copied {} static files instead of linking them: their sources aren't in the launch \
             image (e.g. {} resolves outside the app directory and the launch layers; \
             node_modules is build-only unless BP_NODE_LAUNCH=true)",
            stats.copied,
            probe
                .files
                .get(example)
                .map_or_else(|| example.clone(), |file| file.source.clone())
        ));
    }

    tidy_output(&layer.path(), probe, &stats, link, &copies)
        .map_err(layer_error("tidying the collected static files"))?;
    metadata.output_key = tree_key(&root).map_err(layer_error("fingerprinting static files"))?;
    layer.write_metadata(metadata)?;
    output::done("Static files ready", started);
    Ok(())
}

/// How the restored layer can be used (`None`: start empty), logging why it was discarded.
fn reuse_of(state: &LayerState<(), Result<Reuse, Vec<String>>>) -> Option<Reuse> {
    match state {
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
                    "Discarding the cached static files since their layer metadata can't be parsed \
                     (written by another version of the buildpack)",
                ),
                _ => {}
            }
            None
        }
    }
}

fn layer_error(what: &str) -> impl FnOnce(io::Error) -> DjangoError {
    let what = what.to_string();
    move |error| DjangoError::Layer(what, error)
}

/// The prefixed paths of inputs whose source isn't in the launch image.
fn sources_outside_launch_image(
    context: &BuildContext<PythonBuildpack>,
    probe: &Probe,
) -> BTreeSet<String> {
    let mut image = LaunchImage::new(&context.app_dir, &context.layers_dir);
    probe
        .files
        .iter()
        .filter(|(_, file)| !image.contains(&file.source_path()))
        .map(|(name, _)| name.clone())
        .collect()
}

/// Runs the helper's collectstatic: `--link` unless copying, `--reuse-compressed` when
/// updating, and the list of files to copy even in link mode.
fn run_collectstatic(
    run: &StaticRun<'_>,
    incremental: bool,
    copies: &BTreeSet<String>,
) -> Result<CollectStats, DjangoError> {
    let stats_file = run.helper.scratch("collectstatic-stats.json");
    let mut collect = command::command("python", run.env);
    collect.arg(&run.helper.script).arg("collectstatic");
    if run.link {
        collect.arg("--link");
    }
    if incremental {
        collect.arg("--reuse-compressed");
    }
    if !copies.is_empty() {
        let list = run.helper.scratch("copy-list.json");
        std::fs::write(
            &list,
            serde_json::to_vec(copies)
                .map_err(io::Error::other)
                .map_err(layer_error("writing the copy list"))?,
        )
        .map_err(layer_error("writing the copy list"))?;
        collect.arg("--copy-list").arg(list);
    }
    let shown = if run.link {
        "python manage.py collectstatic --noinput --link"
    } else {
        "python manage.py collectstatic --noinput"
    };
    output::info(format!("Running '{shown}'"));
    let collect_started = Instant::now();
    command::run_streamed(collect.arg(&stats_file).current_dir(run.manage_dir), shown)
        .map_err(DjangoError::Collectstatic)?;
    output::done("Ran collectstatic", collect_started);
    Ok(std::fs::read_to_string(&stats_file)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

/// STATIC_ROOT is about to become a link to the layer: whatever the app (or a build script)
/// put there would be lost, so anything but placeholder files is an error.
fn check_static_root(static_root: &Path, app_dir: &Path, probe: &Probe) -> Result<(), DjangoError> {
    let Ok(existing) = std::fs::symlink_metadata(static_root) else {
        return Ok(());
    };
    if existing.is_symlink() {
        return Ok(());
    }
    let mut files = Vec::new();
    if existing.is_dir() {
        list_files(static_root, &mut files).map_err(layer_error("reading STATIC_ROOT"))?;
        files.retain(|path| {
            !path
                .file_name()
                .is_some_and(|name| PLACEHOLDERS.iter().any(|placeholder| name == *placeholder))
        });
    } else {
        files.push(static_root.to_path_buf());
    }
    if files.is_empty() {
        return Ok(());
    }
    files.sort();
    let relative = |path: &Path| path.strip_prefix(app_dir).unwrap_or(path).to_path_buf();
    let mut static_dirs_inside: Vec<PathBuf> = probe
        .files
        .values()
        .filter_map(|file| {
            let source = file.source_path();
            let below = source.strip_prefix(static_root).ok()?;
            let first = below.components().next()?;
            Some(relative(&static_root.join(first)))
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    static_dirs_inside.retain(|dir| app_dir.join(dir).is_dir());
    Err(DjangoError::StaticRootNotEmpty {
        static_root: relative(static_root),
        total: files.len(),
        entries: files.iter().take(5).map(|path| relative(path)).collect(),
        static_dirs_inside,
    })
}

/// Every non-directory under `dir`, recursively (symlinks not followed).
fn list_files(dir: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            list_files(&entry.path(), files)?;
        } else {
            files.push(entry.path());
        }
    }
    Ok(())
}

/// Keep the restored layer when only input files changed (or nothing did); start afresh when
/// the layout, STATIC_ROOT, the link mode, the settings or the packages changed, when the
/// collected files were changed after the step that made them, or when the layer's record of
/// its inputs can't be read (with the reasons).
fn restore_decision(
    cached: &StaticfilesLayerMetadata,
    current: &StaticfilesLayerMetadata,
    config: &ConfigRecord,
    layer_dir: &Path,
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
    if cached.mode != current.mode {
        reasons.push(format!(
            "The collect mode has changed from {} to {} (BP_COLLECTSTATIC_LINK)",
            cached.mode, current.mode
        ));
    }
    if cached.config_key != current.config_key {
        let previous = std::fs::read_to_string(layer_dir.join(CONFIG_FILE))
            .ok()
            .and_then(|text| serde_json::from_str::<ConfigRecord>(&text).ok());
        match previous {
            Some(previous) => reasons.extend(config_changes(&previous, config)),
            None => reasons.push(
                "The static files settings or the packages that shape them have changed"
                    .to_string(),
            ),
        }
    }
    let mut previous_inputs = None;
    if reasons.is_empty() {
        match tree_key(&layer_dir.join(ROOT_DIR)) {
            Ok(key) if key == cached.output_key => {}
            _ => reasons.push(
                "The collected files were changed after the buildpack collected them (e.g. a \
                 bin/post_compile hook ran collectstatic again), so they can't be trusted"
                    .to_string(),
            ),
        }
        previous_inputs = read_inputs(&layer_dir.join(INPUTS_FILE));
        if previous_inputs.is_none() {
            reasons.push(format!(
                "The layer's record of its static inputs ({INPUTS_FILE}) can't be read"
            ));
        }
    }
    // Without reasons the record was read: `previous_inputs` is `Some`.
    match previous_inputs {
        Some(previous) if reasons.is_empty() => {
            let reuse = if cached.files_key == current.files_key {
                Reuse::Unchanged
            } else {
                Reuse::FilesChanged(previous)
            };
            (RestoredLayerAction::KeepLayer, Ok(reuse))
        }
        _ => (RestoredLayerAction::DeleteLayer, Err(reasons)),
    }
}

/// What changed between two config records, for people: each setting and package by name,
/// `before → after`, values shortened.
fn config_changes(previous: &ConfigRecord, current: &ConfigRecord) -> Vec<String> {
    let mut reasons = Vec::new();
    if previous.storage_backend != current.storage_backend {
        reasons.push(format!(
            "The staticfiles storage has changed from {} to {}",
            previous.storage_backend, current.storage_backend
        ));
    }
    for (kind, before, after) in [
        ("setting", &previous.settings, &current.settings),
        ("package", &previous.packages, &current.packages),
    ] {
        let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        for name in names {
            match (before.get(name), after.get(name)) {
                (Some(old), Some(new)) if old != new => reasons.push(format!(
                    "The {kind} {name} has changed from {} to {}",
                    shorten(old),
                    shorten(new)
                )),
                (Some(old), None) => {
                    reasons.push(format!("The {kind} {name} ({}) was removed", shorten(old)));
                }
                (None, Some(new)) => {
                    reasons.push(format!("The {kind} {name} ({}) was added", shorten(new)));
                }
                _ => {}
            }
        }
    }
    if reasons.is_empty() && previous != current {
        reasons.push("The static files settings have changed".to_string());
    }
    reasons
}

/// At most 60 characters of a value, with an ellipsis in the middle.
fn shorten(value: &str) -> String {
    const MAX: usize = 60;
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= MAX {
        return value.to_string();
    }
    let head: String = chars[..MAX / 2 - 1].iter().collect();
    let tail: String = chars[chars.len() - (MAX / 2 - 2)..].iter().collect();
    format!("{head}…{tail}")
}

/// After collectstatic: prune what no input produces, link identical hashed copies (link mode,
/// sources in the launch image only), and record the inputs and config for the next build.
fn tidy_output(
    layer_dir: &Path,
    probe: &Probe,
    stats: &CollectStats,
    link: bool,
    copies: &BTreeSet<String>,
) -> io::Result<()> {
    let root = layer_dir.join(ROOT_DIR);
    let manifest = if probe.manifest_storage {
        match &stats.manifest_paths {
            Some(paths) => paths.clone(),
            None => probe
                .manifest_name
                .as_deref()
                .map(|name| read_manifest_paths(&root.join(name)))
                .unwrap_or_default(),
        }
    } else {
        BTreeMap::new()
    };
    let pruned = prune(&root, &expected_outputs(probe, &manifest))?;
    if pruned > 0 {
        output::info(format!("Removed {pruned} files no current input produces"));
    }
    if link {
        let (linked, bytes) = dedupe(&root, &manifest, &probe.files, copies)?;
        if linked > 0 {
            output::info(format!(
                "Replaced {linked} hashed copies identical to their source with links ({}.{} MB not stored twice)",
                bytes / 1_000_000,
                bytes / 100_000 % 10
            ));
        }
    }
    write_inputs(&layer_dir.join(INPUTS_FILE), &probe.files)?;
    std::fs::write(
        layer_dir.join(CONFIG_FILE),
        serde_json::to_vec(&ConfigRecord::from_probe(probe)).map_err(io::Error::other)?,
    )
}

/// Runs collectstatic in copy mode for storages that don't write to the local filesystem
/// (`--link` can't symlink to a remote destination). Runs every build.
///
/// # Errors
/// [`DjangoError::Collectstatic`].
pub(crate) fn collect_remote(run: &StaticRun<'_>) -> Result<(), DjangoError> {
    output::info("Running 'python manage.py collectstatic --noinput'");
    command::run_streamed(
        command::command("python", run.env)
            .arg(&run.helper.script)
            .arg("collectstatic")
            .arg(run.helper.scratch("collectstatic-stats.json"))
            .current_dir(run.manage_dir),
        "python manage.py collectstatic --noinput",
    )
    .map_err(DjangoError::Collectstatic)?;
    output::done("Static files ready", run.started);
    Ok(())
}

/// Makes the app's `STATIC_ROOT` a symlink to the layer's root, replacing a link or an empty
/// directory ([`check_static_root`] refused anything else before).
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
                "Replacing the empty {} from the app source with a link to the staticfiles layer",
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

/// A fingerprint of a directory tree: every entry's relative name, kind, size (files) and
/// target (links), in name order. Contents aren't read: what a later step changes (a copy
/// where a link was, a rewritten file) changes a kind or a size. A missing tree has the key of
/// an empty one.
pub(crate) fn tree_key(root: &Path) -> io::Result<String> {
    fn walk(dir: &Path, root: &Path, hasher: &mut Sha256) -> io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let path = entry.path();
            let relative = path.strip_prefix(root).unwrap_or(&path);
            hasher.update(relative.as_os_str().as_bytes());
            let kind = entry.file_type()?;
            if kind.is_dir() {
                hasher.update(b"\0d\0");
                walk(&path, root, hasher)?;
            } else if kind.is_symlink() {
                hasher.update(b"\0l\0");
                hasher.update(std::fs::read_link(&path)?.as_os_str().as_bytes());
                hasher.update(b"\0");
            } else {
                hasher.update(format!("\0f{}\0", entry.metadata()?.len()).as_bytes());
            }
        }
        Ok(())
    }
    let mut hasher = Sha256::new();
    match walk(root, root, &mut hasher) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    Ok(format!("{:x}", hasher.finalize()))
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

/// `root` joined with a relative fsname, or an error when the name isn't a plain relative path
/// (absolute, or with `.`/`..` parts): nothing outside the layer is ever deleted.
fn inside(root: &Path, name: &str) -> io::Result<PathBuf> {
    let relative = fsname::path(name);
    if relative.as_os_str().is_empty()
        || !relative
            .components()
            .all(|part| matches!(part, Component::Normal(_)))
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("refusing to touch {name:?}: not a path inside the staticfiles layer"),
        ));
    }
    Ok(root.join(relative))
}

/// Deletes `path`, `path.gz` and `path.br` under `root` for each given prefixed path (fsnames).
///
/// # Errors
/// I/O errors, and `InvalidData` for a name that would lie outside `root`.
fn remove_outputs<'a>(root: &Path, paths: impl Iterator<Item = &'a String>) -> io::Result<()> {
    for path in paths {
        for suffix in ["", ".gz", ".br"] {
            match std::fs::remove_file(inside(root, &format!("{path}{suffix}"))?) {
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
            let relative = fsname::encode(path.strip_prefix(root).unwrap_or(&path).as_os_str());
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

/// Replaces hashed copies whose bytes equal their source with a symlink to the source, except
/// for the originals in `copies` (sources outside the launch image).
/// Returns `(files linked, bytes no longer stored)`.
pub(crate) fn dedupe(
    root: &Path,
    manifest: &BTreeMap<String, String>,
    files: &BTreeMap<String, InputFile>,
    copies: &BTreeSet<String>,
) -> io::Result<(usize, u64)> {
    let (mut linked, mut bytes) = (0, 0);
    for (original, hashed) in manifest {
        let Some(input) = files.get(original).filter(|_| !copies.contains(original)) else {
            continue;
        };
        let Ok(copy) = inside(root, hashed) else {
            continue;
        };
        let source = input.source_path();
        let Ok(copy_metadata) = std::fs::symlink_metadata(&copy) else {
            continue;
        };
        let Ok(source_metadata) = std::fs::metadata(&source) else {
            continue;
        };
        if !copy_metadata.is_file() || copy_metadata.len() != source_metadata.len() {
            continue;
        }
        if file_sha256(&copy)? != input.sha256 {
            continue; // rewritten by the storage (e.g. CSS url()s): keep its own bytes
        }
        std::fs::remove_file(&copy)?;
        std::os::unix::fs::symlink(&source, &copy)?;
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

/// The prefixed path → sha256 record of the previous build; `None` when missing or unreadable.
fn read_inputs(path: &Path) -> Option<BTreeMap<String, String>> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|contents| serde_json::from_str(&contents).ok())
}

fn write_inputs(path: &Path, files: &BTreeMap<String, InputFile>) -> io::Result<()> {
    let hashes: BTreeMap<&String, &String> = files
        .iter()
        .map(|(path, file)| (path, &file.sha256))
        .collect();
    std::fs::write(path, serde_json::to_vec(&hashes).map_err(io::Error::other)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn input(sha: &str, source: &Path) -> InputFile {
        InputFile {
            sha256: sha.to_string(),
            source: fsname::encode(source.as_os_str()),
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("assetpack-static-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn metadata(
        config: &ConfigRecord,
        files_key: &str,
        output_key: &str,
    ) -> StaticfilesLayerMetadata {
        StaticfilesLayerMetadata {
            format_version: FORMAT_VERSION.to_string(),
            static_root: "staticfiles".to_string(),
            mode: "link".to_string(),
            config_key: config.key(),
            files_key: files_key.to_string(),
            output_key: output_key.to_string(),
        }
    }

    fn config(settings: &[(&str, &str)], packages: &[(&str, &str)]) -> ConfigRecord {
        ConfigRecord {
            storage_backend: "whitenoise.storage.CompressedManifestStaticFilesStorage".into(),
            manifest_storage: true,
            settings: settings
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            packages: packages
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        }
    }

    #[test]
    fn restore_decision_keeps_updates_or_discards_with_reasons() {
        let dir = temp_dir("decision");
        let layer = dir.join("layer");
        std::fs::create_dir_all(layer.join(ROOT_DIR).join("css")).unwrap();
        std::fs::write(layer.join(ROOT_DIR).join("css/a.css"), "a").unwrap();
        std::fs::write(layer.join(INPUTS_FILE), r#"{"css/a.css":"00"}"#).unwrap();
        let old = config(&[("WHITENOISE_MAX_AGE", "60")], &[("Django", "5.2.18")]);
        std::fs::write(layer.join(CONFIG_FILE), serde_json::to_vec(&old).unwrap()).unwrap();
        let tree = tree_key(&layer.join(ROOT_DIR)).unwrap();
        let cached = metadata(&old, "files-1", &tree);

        let decide = |current: &StaticfilesLayerMetadata, config: &ConfigRecord| {
            restore_decision(&cached, current, config, &layer).1
        };
        assert_eq!(
            decide(&metadata(&old, "files-1", ""), &old),
            Ok(Reuse::Unchanged)
        );
        assert_eq!(
            decide(&metadata(&old, "files-2", ""), &old),
            Ok(Reuse::FilesChanged(BTreeMap::from([(
                "css/a.css".to_string(),
                "00".to_string()
            )])))
        );

        let new = config(
            &[("WHITENOISE_MAX_AGE", "120")],
            &[("Django", "5.2.19"), ("brotli", "1.2.1")],
        );
        assert_eq!(
            decide(&metadata(&new, "files-1", ""), &new),
            Err(vec![
                "The setting WHITENOISE_MAX_AGE has changed from 60 to 120".to_string(),
                "The package Django has changed from 5.2.18 to 5.2.19".to_string(),
                "The package brotli (1.2.1) was added".to_string(),
            ])
        );
        let mut copy_mode = metadata(&old, "files-1", "");
        copy_mode.mode = "copy".into();
        assert_eq!(
            decide(&copy_mode, &old),
            Err(vec![
                "The collect mode has changed from link to copy (BP_COLLECTSTATIC_LINK)"
                    .to_string()
            ])
        );

        // A link replaced by a copy of the same size after the step (a hook collecting again).
        std::fs::remove_file(layer.join(ROOT_DIR).join("css/a.css")).unwrap();
        std::os::unix::fs::symlink("/src/a.css", layer.join(ROOT_DIR).join("css/a.css")).unwrap();
        let reasons = decide(&metadata(&old, "files-1", ""), &old).unwrap_err();
        assert!(
            reasons[0].starts_with("The collected files were changed after"),
            "{reasons:?}"
        );

        // An unreadable record of the inputs.
        std::fs::remove_file(layer.join(ROOT_DIR).join("css/a.css")).unwrap();
        std::fs::write(layer.join(ROOT_DIR).join("css/a.css"), "a").unwrap();
        std::fs::write(layer.join(INPUTS_FILE), "{not json").unwrap();
        assert_eq!(
            decide(&metadata(&old, "files-2", ""), &old),
            Err(vec![
                "The layer's record of its static inputs (inputs.json) can't be read".to_string()
            ])
        );
        // And an unreadable config record still discards, with a general reason.
        std::fs::write(layer.join(CONFIG_FILE), "").unwrap();
        assert_eq!(
            decide(&metadata(&new, "files-1", ""), &new),
            Err(vec![
                "The static files settings or the packages that shape them have changed"
                    .to_string()
            ])
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn shortens_long_values_in_the_middle() {
        assert_eq!(shorten("60"), "60");
        let long = format!("[{}]", "\"app\", ".repeat(20));
        let short = shorten(&long);
        assert_eq!(short.chars().count(), 58);
        assert!(
            short.starts_with("[\"app\", ") && short.contains('…'),
            "{short}"
        );
    }

    #[test]
    fn static_root_with_files_is_an_error_placeholders_are_not() {
        let dir = temp_dir("static-root");
        let root = dir.join("staticfiles");
        let probe = Probe::default();
        assert!(check_static_root(&root, &dir, &probe).is_ok(), "absent");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join(".gitkeep"), "").unwrap();
        assert!(
            check_static_root(&root, &dir, &probe).is_ok(),
            "placeholders only"
        );
        std::fs::write(root.join("sub/app.js"), "x").unwrap();
        let probe = Probe {
            files: BTreeMap::from([("app.js".to_string(), input("00", &root.join("sub/app.js")))]),
            ..Probe::default()
        };
        match check_static_root(&root, &dir, &probe) {
            Err(DjangoError::StaticRootNotEmpty {
                static_root,
                entries,
                total,
                static_dirs_inside,
            }) => {
                assert_eq!(static_root, Path::new("staticfiles"));
                assert_eq!(entries, [Path::new("staticfiles/sub/app.js")]);
                assert_eq!(total, 1);
                assert_eq!(static_dirs_inside, [Path::new("staticfiles/sub")]);
            }
            other => panic!("{other:?}"),
        }
        assert!(root.join("sub/app.js").exists(), "nothing deleted");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn never_deletes_outside_the_layer() {
        let dir = temp_dir("contained");
        let root = dir.join("root");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(dir.join("outside.css"), "keep").unwrap();
        for name in ["../outside.css", "/etc/hostname", "a/../../outside.css", ""] {
            let error = remove_outputs(&root, [name.to_string()].iter()).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{name}");
        }
        assert!(dir.join("outside.css").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn prunes_and_removes_names_that_are_not_utf8() {
        use std::ffi::OsStr;
        let root = temp_dir("non-utf8");
        let name = OsStr::from_bytes(b"caf\xe9.txt");
        std::fs::write(root.join(name), "x").unwrap();
        std::fs::write(root.join("stale.txt"), "x").unwrap();
        let expected = BTreeSet::from([fsname::encode(name)]);
        assert_eq!(prune(&root, &expected).unwrap(), 1);
        assert!(root.join(name).exists());
        remove_outputs(&root, [fsname::encode(name)].iter()).unwrap();
        assert!(!root.join(name).exists());
        std::fs::remove_dir_all(&root).unwrap();
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
            storage_is_local: true,
            manifest_storage: true,
            manifest_name: Some("staticfiles.json".into()),
            files: files.clone(),
            ..Probe::default()
        };
        let removed = prune(&root, &expected_outputs(&probe, &manifest)).unwrap();
        assert_eq!(removed, 2);
        assert!(!root.join("old").exists(), "empty directories go too");
        assert!(!root.join("css/site.old.css").exists());
        assert!(root.join("css/site.def.css.br").exists());

        let (linked, bytes) = dedupe(&root, &manifest, &files, &BTreeSet::new()).unwrap();
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
