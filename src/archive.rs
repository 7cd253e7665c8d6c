//! Download, verify, then unpack a compressed tar archive into a layer directory. CPython
//! archives are `.tar.zst` (this project's builds); Node.js archives are the official
//! `.tar.gz` with one top directory.
//!
//! - Download ([`crate::download`]): https only (http for loopback hosts), redirects checked,
//!   the system CA store, into an unnamed temporary file next to the layer while hashing.
//! - Verify: the sha256 (when the inventory has one) is checked before anything is unpacked.
//! - Retries: up to [`ATTEMPTS`] attempts with 1 s, 2 s backoff for transient failures only
//!   (connection and timeout errors, 408/429/5xx statuses, cut-off bodies); the destination
//!   is emptied before each attempt. Refused URLs, 403/404/410, checksum mismatches, unsafe
//!   entries and limits are final.
//! - Containment ([`unpack`]): every entry is a relative path without `..`; no entry is
//!   written through a symlink or a non-directory an earlier entry made; hard links only to
//!   regular files already unpacked; symlink targets stay inside; only files, directories,
//!   symlinks and hard links; setuid/setgid/sticky bits are cleared; the zstd window is
//!   limited to 2^[`ZSTD_WINDOW_LOG_MAX`] bytes; total size and entry count are capped
//!   ([`Limits`]).

use crate::download;
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// How many times a download is tried before giving up.
pub(crate) const ATTEMPTS: u32 = 3;

/// The largest zstd window accepted, as a power of two: what the archive builder uses
/// (`zstd --long=27`, 128 MiB), so a hostile frame can't demand gigabytes of memory.
pub(crate) const ZSTD_WINDOW_LOG_MAX: u32 = 27;

/// Caps on what one archive may unpack to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Total bytes of file contents.
    pub(crate) max_bytes: u64,
    /// Number of entries (files, directories, links).
    pub(crate) max_entries: u64,
}

impl Limits {
    /// For runtime archives: 4 GiB and 200 000 entries (CPython and Node.js unpack to a few
    /// hundred MB and under 10 000 entries).
    pub(crate) const RUNTIME: Self = Self {
        max_bytes: 4 << 30,
        max_entries: 200_000,
    };
}

/// How an archive is laid out: its compression and how many leading path components to drop
/// from each entry (1 for `node-vX.Y.Z-linux-x64/bin/node` → `bin/node`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Format {
    pub(crate) compression: Compression,
    pub(crate) strip_components: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compression {
    Zstd,
    Gzip,
}

impl Format {
    /// CPython archives from `builds/build-python.sh`: zstd, paths relative to the prefix.
    pub(crate) const PYTHON: Self = Self {
        compression: Compression::Zstd,
        strip_components: 0,
    };
    /// Official Node.js archives: gzip, under one `node-vX.Y.Z-linux-<arch>/` directory.
    pub(crate) const NODEJS: Self = Self {
        compression: Compression::Gzip,
        strip_components: 1,
    };

    /// For people: "zstd-compressed tar" / "gzip-compressed tar".
    pub(crate) fn describe(self) -> &'static str {
        match self.compression {
            Compression::Zstd => "zstd-compressed tar",
            Compression::Gzip => "gzip-compressed tar",
        }
    }
}

/// Why a URL or a redirect wasn't followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not an absolute URL (the parser's message).
    InvalidUrl(String),
    /// `http://` to a host that isn't loopback.
    PlainHttp,
    /// A scheme other than https/http.
    Scheme(String),
    /// An https URL redirected to this http URL.
    RedirectToHttp(String),
    RedirectWithoutLocation,
    TooManyRedirects,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl(error) => write!(f, "it isn't a valid URL ({error})"),
            Self::PlainHttp => f.write_str(
                "it uses plain http, which is only allowed for loopback hosts \
                 (127.0.0.1, ::1, localhost); use https",
            ),
            Self::Scheme(scheme) => write!(f, "its scheme '{scheme}' isn't supported; use https"),
            Self::RedirectToHttp(to) => {
                write!(f, "it redirected to {to}, which isn't https")
            }
            Self::RedirectWithoutLocation => f.write_str("it redirected without a Location"),
            Self::TooManyRedirects => write!(
                f,
                "it redirected more than {} times",
                download::MAX_REDIRECTS
            ),
        }
    }
}

/// Why a download/unpack failed (after retries, for the retryable kinds). URLs are redacted.
#[derive(Debug)]
pub(crate) enum ArchiveError {
    /// The URL (or a redirect) breaks the download rules.
    Refused { url: String, reason: Refusal },
    /// HTTP 403, 404 or 410: the server doesn't have the file.
    NotFound { url: String, status: u16 },
    /// Another HTTP error status.
    HttpStatus { url: String, status: u16 },
    /// Could not connect, timed out, TLS failure, …
    Transport { url: String, error: ureq::Error },
    /// The stream broke or isn't a valid compressed tar (e.g. a truncated download).
    Unpack { url: String, error: io::Error },
    ChecksumMismatch {
        url: String,
        expected: String,
        actual: String,
    },
    /// An archive entry would be written outside the destination, or isn't allowed; `reason`
    /// says why (e.g. "a path through a symlink or file").
    UnsafeEntry {
        url: String,
        path: String,
        reason: &'static str,
    },
    /// The download or the archive is bigger than allowed; `limit` says which limit.
    TooLarge { url: String, limit: String },
    /// Preparing the destination directory failed.
    Destination(PathBuf, io::Error),
}

impl ArchiveError {
    /// Whether another attempt may succeed.
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            Self::HttpStatus { status, .. } => *status >= 500 || matches!(status, 408 | 429),
            // TLS failures (e.g. an unknown certificate issuer) come as InvalidData: final.
            Self::Transport {
                error: ureq::Error::Io(error),
                ..
            } => error.kind() != io::ErrorKind::InvalidData,
            Self::Transport { error, .. } => matches!(
                error,
                ureq::Error::Timeout(_)
                    | ureq::Error::HostNotFound
                    | ureq::Error::ConnectionFailed
                    | ureq::Error::Protocol(_)
            ),
            Self::Unpack { .. } => true,
            Self::Refused { .. }
            | Self::NotFound { .. }
            | Self::ChecksumMismatch { .. }
            | Self::UnsafeEntry { .. }
            | Self::TooLarge { .. }
            | Self::Destination(..) => false,
        }
    }
}

/// Downloads `url` (see [`crate::download`]), verifies the sha256 of the file when
/// `expected_sha256` (hex) is given, and only then unpacks the compressed tar (see [`Format`])
/// into `destination`. On error the destination is left empty. `on_retry` is told about each
/// retry (attempt number, error).
///
/// # Errors
/// See [`ArchiveError`].
pub(crate) fn download_and_unpack(
    url: &str,
    expected_sha256: Option<&str>,
    format: Format,
    destination: &Path,
    on_retry: &dyn Fn(u32, &ArchiveError),
) -> Result<(), ArchiveError> {
    let agent = download::agent(download::IDLE_READ_TIMEOUT);
    let mut attempt = 1;
    loop {
        empty_dir(destination)?;
        let result = attempt_download(&agent, url, expected_sha256, format, destination);
        if result.is_err() {
            empty_dir(destination)?;
        }
        match result {
            Err(error) if error.is_retryable() && attempt < ATTEMPTS => {
                on_retry(attempt, &error);
                std::thread::sleep(Duration::from_secs(u64::from(attempt)));
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn attempt_download(
    agent: &ureq::Agent,
    url: &str,
    expected_sha256: Option<&str>,
    format: Format,
    destination: &Path,
) -> Result<(), ArchiveError> {
    // The temporary file lives next to the layer: same filesystem, never inside it.
    let temp_dir = destination.parent().unwrap_or(destination);
    let fetched = download::fetch(agent, url, temp_dir, download::MAX_DOWNLOAD_BYTES)?;
    if let Some(expected) = expected_sha256
        && !expected.trim().eq_ignore_ascii_case(&fetched.sha256)
    {
        return Err(ArchiveError::ChecksumMismatch {
            url: download::redact(url),
            expected: expected.to_string(),
            actual: fetched.sha256,
        });
    }
    unpack(
        io::BufReader::new(fetched.file),
        format,
        destination,
        Limits::RUNTIME,
    )
    .map_err(|error| error.for_url(&download::redact(url)))
}

/// Why [`unpack`] failed.
#[derive(Debug)]
pub(crate) enum UnpackError {
    /// Not a valid compressed tar, or writing failed.
    Io(io::Error),
    /// `(entry path, why)`.
    Unsafe(String, &'static str),
    /// Which limit was exceeded.
    TooLarge(String),
}

impl UnpackError {
    fn for_url(self, url: &str) -> ArchiveError {
        match self {
            Self::Io(error) => ArchiveError::Unpack {
                url: url.to_string(),
                error,
            },
            Self::Unsafe(path, reason) => ArchiveError::UnsafeEntry {
                url: url.to_string(),
                path,
                reason,
            },
            Self::TooLarge(limit) => ArchiveError::TooLarge {
                url: url.to_string(),
                limit,
            },
        }
    }
}

impl From<io::Error> for UnpackError {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

/// Unpacks the compressed tar read from `reader` into `destination` (an existing, empty
/// directory), dropping `format.strip_components` leading components of every path, with the
/// containment rules of this module and `limits`.
///
/// # Errors
/// [`UnpackError`]; the destination may then hold part of the archive.
pub(crate) fn unpack(
    reader: impl Read,
    format: Format,
    destination: &Path,
    limits: Limits,
) -> Result<(), UnpackError> {
    let decoder: Box<dyn Read> = match format.compression {
        Compression::Zstd => {
            let mut decoder = zstd::Decoder::new(reader)?;
            decoder.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
            Box::new(decoder)
        }
        Compression::Gzip => Box::new(flate2::read::GzDecoder::new(reader)),
    };
    let mut archive = tar::Archive::new(decoder);
    // Keeps the mode's rwx bits only: setuid, setgid and sticky bits are cleared.
    archive.set_preserve_permissions(false);
    archive.set_preserve_mtime(true);
    archive.set_overwrite(true);
    let mut entries: u64 = 0;
    let mut bytes: u64 = 0;
    let mut directories: Vec<(PathBuf, u32)> = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        entries += 1;
        if entries > limits.max_entries {
            return Err(UnpackError::TooLarge(format!(
                "at most {} entries",
                limits.max_entries
            )));
        }
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions()
            || kind.is_pax_local_extensions()
            || kind.is_gnu_longname()
            || kind.is_gnu_longlink()
        {
            continue;
        }
        let full_path = entry.path()?.into_owned();
        let shown = full_path.display().to_string();
        let is_hard_link = kind.is_hard_link();
        let mut link = entry.link_name()?.map(std::borrow::Cow::into_owned);
        // Checked before stripping too: stripping `/etc/x` would leave a harmless-looking `x`.
        if !full_path.as_os_str().is_empty() && !is_plain_relative(&full_path) {
            return Err(UnpackError::Unsafe(
                shown,
                "an absolute path or one with '..'",
            ));
        }
        let Some(path) = strip_components(&full_path, format.strip_components) else {
            // The top directory itself (or a shorter entry): nothing to write.
            continue;
        };
        if is_hard_link && format.strip_components > 0 {
            // Hard link targets name another entry by its full path.
            if link
                .as_deref()
                .is_some_and(|target| !is_plain_relative(target))
            {
                return Err(UnpackError::Unsafe(
                    shown,
                    "a hard link to an absolute path or one with '..'",
                ));
            }
            link = link.and_then(|target| strip_components(&target, format.strip_components));
        }
        if let Err(why) = check_entry(&path, link.as_deref(), is_hard_link) {
            return Err(UnpackError::Unsafe(shown, why));
        }
        bytes = bytes.saturating_add(entry.size());
        if bytes > limits.max_bytes {
            return Err(UnpackError::TooLarge(format!(
                "at most {} bytes unpacked",
                limits.max_bytes
            )));
        }
        let target =
            real_parent_dirs(destination, &path, true).map_err(|error| error.named(&shown))?;
        write_entry(
            &mut entry,
            &target,
            link,
            destination,
            &shown,
            &mut directories,
        )?;
    }
    // Directory modes last (read-only directories would block their own entries); the owner
    // keeps full access so the layer can be replaced later.
    for (directory, mode) in directories.into_iter().rev() {
        fs::set_permissions(
            &directory,
            fs::Permissions::from_mode((mode & 0o777) | 0o700),
        )?;
    }
    Ok(())
}

/// Writes one checked entry at `target` (its parent directories are real directories).
fn write_entry<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    target: &Path,
    link: Option<PathBuf>,
    destination: &Path,
    shown: &str,
    directories: &mut Vec<(PathBuf, u32)>,
) -> Result<(), UnpackError> {
    let kind = entry.header().entry_type();
    let is_hard_link = kind.is_hard_link();
    let unsafe_entry = |why| UnpackError::Unsafe(shown.to_string(), why);
    if kind.is_dir() {
        match fs::symlink_metadata(target) {
            Ok(metadata) if metadata.is_dir() => {}
            Ok(_) => return Err(unsafe_entry("a directory replacing a file or symlink")),
            Err(error) if error.kind() == io::ErrorKind::NotFound => fs::create_dir(target)?,
            Err(error) => return Err(error.into()),
        }
        directories.push((target.to_path_buf(), entry.header().mode()?));
    } else if kind.is_file() || kind.is_symlink() {
        remove_existing(target).map_err(|error| error.named(shown))?;
        entry.unpack(target)?;
    } else if is_hard_link {
        let source = link.ok_or_else(|| unsafe_entry("a hard link without a target"))?;
        let not_a_file = "a hard link to something that isn't a file unpacked earlier";
        let source = match real_parent_dirs(destination, &source, false) {
            Ok(source) => source,
            Err(UnpackError::Io(error)) if error.kind() == io::ErrorKind::NotFound => {
                return Err(unsafe_entry(not_a_file));
            }
            Err(error) => return Err(error.named(shown)),
        };
        match fs::symlink_metadata(&source) {
            Ok(metadata) if metadata.is_file() => {}
            _ => return Err(unsafe_entry(not_a_file)),
        }
        remove_existing(target).map_err(|error| error.named(shown))?;
        fs::hard_link(&source, target)?;
    } else {
        return Err(unsafe_entry(
            "not a file, directory or link (device, FIFO or sparse file)",
        ));
    }
    Ok(())
}

impl UnpackError {
    /// Puts the entry's name on an [`UnpackError::Unsafe`] made without one.
    fn named(self, path: &str) -> Self {
        match self {
            Self::Unsafe(_, why) => Self::Unsafe(path.to_string(), why),
            other => other,
        }
    }
}

/// `root/relative`, after checking (and with `create`, making) each directory above it: every
/// one must be a real directory, not a symlink or file an earlier entry made.
fn real_parent_dirs(root: &Path, relative: &Path, create: bool) -> Result<PathBuf, UnpackError> {
    let components: Vec<Component<'_>> = relative.components().collect();
    let mut current = root.to_path_buf();
    for component in &components[..components.len().saturating_sub(1)] {
        current.push(component);
        match fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.is_dir() => {}
            Ok(_) => {
                return Err(UnpackError::Unsafe(
                    String::new(),
                    "a path through a symlink or file",
                ));
            }
            Err(error) if create && error.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&current)?;
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(root.join(relative))
}

/// Removes a file or symlink at `target` so an entry replaces it (never writing through it).
fn remove_existing(target: &Path) -> Result<(), UnpackError> {
    match fs::symlink_metadata(target) {
        Ok(metadata) if metadata.is_dir() => Err(UnpackError::Unsafe(
            String::new(),
            "a file or link replacing a directory",
        )),
        Ok(_) => Ok(fs::remove_file(target)?),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// `path` without its first `count` components (`.` components don't count); `None` when
/// nothing is left.
pub(crate) fn strip_components(path: &Path, count: usize) -> Option<PathBuf> {
    let stripped: PathBuf = path
        .components()
        .filter(|component| !matches!(component, Component::CurDir))
        .skip(count)
        .collect();
    (!stripped.as_os_str().is_empty()).then_some(stripped)
}

/// Checks an entry (after stripping): `path` is relative with no `..`; a hard link target is
/// such a path too; a symlink target is relative, made of leading `..` components (no more
/// than the entry's directory depth) followed by names, so it resolves inside the
/// destination whatever the names are.
///
/// # Errors
/// Why the entry isn't allowed.
pub(crate) fn check_entry(
    path: &Path,
    link_target: Option<&Path>,
    is_hard_link: bool,
) -> Result<(), &'static str> {
    if !is_plain_relative(path) {
        return Err("an absolute path or one with '..'");
    }
    match link_target {
        None => Ok(()),
        Some(target) if is_hard_link => {
            if is_plain_relative(target) {
                Ok(())
            } else {
                Err("a hard link to an absolute path or one with '..'")
            }
        }
        Some(target) => {
            let depth = path.parent().map_or(0, |parent| {
                parent
                    .components()
                    .filter(|c| matches!(c, Component::Normal(_)))
                    .count()
            });
            let mut ups = 0;
            let mut seen_name = false;
            for component in target.components() {
                match component {
                    Component::CurDir => {}
                    Component::Normal(_) => seen_name = true,
                    Component::ParentDir if !seen_name => ups += 1,
                    Component::ParentDir => {
                        return Err("a symlink whose target has '..' after a name");
                    }
                    Component::RootDir | Component::Prefix(_) => {
                        return Err("a symlink to an absolute path");
                    }
                }
            }
            if ups > depth {
                Err("a symlink pointing outside the destination")
            } else {
                Ok(())
            }
        }
    }
}

/// A non-empty relative path made only of names (and `.`).
fn is_plain_relative(path: &Path) -> bool {
    let mut names = 0;
    for component in path.components() {
        match component {
            Component::Normal(_) => names += 1,
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    names > 0
}

fn empty_dir(dir: &Path) -> Result<(), ArchiveError> {
    let remove = || -> io::Result<()> {
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                fs::remove_dir_all(entry.path())?;
            } else {
                fs::remove_file(entry.path())?;
            }
        }
        Ok(())
    };
    remove().map_err(|error| ArchiveError::Destination(dir.to_path_buf(), error))
}

/// One-line summary of a download error, for retry notices.
pub(crate) fn archive_error_summary(error: &ArchiveError) -> String {
    match error {
        ArchiveError::NotFound { status, .. } | ArchiveError::HttpStatus { status, .. } => {
            format!("HTTP {status}")
        }
        ArchiveError::Transport { error, .. } => error.to_string(),
        ArchiveError::Unpack { error, .. } => format!("stream or archive error: {error}"),
        ArchiveError::ChecksumMismatch { .. } => "checksum mismatch".into(),
        ArchiveError::UnsafeEntry { path, .. } => format!("unsafe entry {path}"),
        ArchiveError::Destination(path, error) => format!("{}: {error}", path.display()),
        ArchiveError::Refused { reason, .. } => format!("refused: {reason}"),
        ArchiveError::TooLarge { limit, .. } => format!("larger than {limit}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};
    use std::io::Write;
    use std::net::TcpListener;

    /// One raw tar entry; names and link targets are written byte for byte (no checks), so
    /// hostile archives can be built.
    struct Raw<'a> {
        path: &'a str,
        kind: tar::EntryType,
        link: &'a str,
        data: &'a [u8],
        mode: u32,
    }

    fn file<'a>(path: &'a str, data: &'a [u8]) -> Raw<'a> {
        Raw {
            path,
            kind: tar::EntryType::Regular,
            link: "",
            data,
            mode: 0o644,
        }
    }

    fn dir(path: &str) -> Raw<'_> {
        Raw {
            path,
            kind: tar::EntryType::Directory,
            link: "",
            data: b"",
            mode: 0o755,
        }
    }

    fn symlink<'a>(path: &'a str, target: &'a str) -> Raw<'a> {
        Raw {
            path,
            kind: tar::EntryType::Symlink,
            link: target,
            data: b"",
            mode: 0o777,
        }
    }

    fn hard_link<'a>(path: &'a str, target: &'a str) -> Raw<'a> {
        Raw {
            path,
            kind: tar::EntryType::Link,
            link: target,
            data: b"",
            mode: 0o644,
        }
    }

    fn raw_tar(entries: &[Raw<'_>]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for entry in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(entry.data.len() as u64);
            header.set_mode(entry.mode);
            header.set_entry_type(entry.kind);
            header.set_mtime(1_000_000_000);
            header.as_old_mut().name[..entry.path.len()].copy_from_slice(entry.path.as_bytes());
            header.as_old_mut().linkname[..entry.link.len()].copy_from_slice(entry.link.as_bytes());
            header.set_cksum();
            builder.append(&header, entry.data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    fn tar_zst(entries: &[Raw<'_>]) -> Vec<u8> {
        zstd::encode_all(raw_tar(entries).as_slice(), 3).unwrap()
    }

    fn tar_gz(entries: &[Raw<'_>]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&raw_tar(entries)).unwrap();
        encoder.finish().unwrap()
    }

    /// A temporary directory holding `layer/`: anything else in it escaped the layer.
    struct Sandbox {
        root: tempfile::TempDir,
    }

    impl Sandbox {
        fn new() -> Self {
            let root = tempfile::tempdir().unwrap();
            fs::create_dir(root.path().join("layer")).unwrap();
            Self { root }
        }
        fn layer(&self) -> PathBuf {
            self.root.path().join("layer")
        }
        fn assert_nothing_outside(&self) {
            let names: Vec<_> = fs::read_dir(self.root.path())
                .unwrap()
                .map(|entry| entry.unwrap().file_name())
                .collect();
            assert_eq!(names, ["layer"], "nothing is written outside the layer");
        }
        fn unpack(&self, data: &[u8], format: Format) -> Result<(), UnpackError> {
            unpack(data, format, &self.layer(), Limits::RUNTIME)
        }
    }

    fn assert_unsafe(result: Result<(), UnpackError>, entry: &str) {
        match result {
            Err(UnpackError::Unsafe(path, _)) => assert_eq!(path, entry),
            other => panic!("expected {entry} to be refused, got {other:?}"),
        }
    }

    #[test]
    fn entry_checks() {
        let ok = |path: &str, link: Option<&str>, hard: bool| {
            check_entry(Path::new(path), link.map(Path::new), hard).is_ok()
        };
        assert!(ok("bin/python3", None, false));
        assert!(ok("./lib/x.so", None, false));
        assert!(!ok("/etc/passwd", None, false));
        assert!(!ok("../x", None, false));
        assert!(!ok("bin/../../x", None, false));
        assert!(!ok("bin/../x", None, false), "no '..' at all");
        assert!(!ok("", None, false));
        assert!(ok("bin/python", Some("python3"), false));
        assert!(ok("lib/a/b", Some("../../bin/x"), false));
        assert!(ok(
            "bin/npm",
            Some("../lib/node_modules/npm/bin/npm-cli.js"),
            false
        ));
        assert!(!ok("lib/a", Some("../../x"), false));
        assert!(!ok("x", Some(".."), false));
        assert!(!ok("lib/a", Some("s/../../x"), false), "'..' after a name");
        assert!(!ok("bin/x", Some("/usr/bin/python3"), false));
        assert!(ok("bin/b", Some("bin/a"), true));
        assert!(!ok("bin/b", Some("../a"), true));
        assert!(!ok("bin/b", Some("/etc/shadow"), true));
    }

    #[test]
    fn refuses_writing_through_earlier_symlinks() {
        // The reported escape: `x → ..`, `x/y → ..`, then `y/escaped`.
        let sandbox = Sandbox::new();
        let archive = tar_gz(&[
            dir("top/"),
            dir("top/lib/"),
            symlink("top/lib/x", ".."),
            symlink("top/lib/x/y", ".."),
            file("top/y/escaped", b"!"),
        ]);
        assert_unsafe(sandbox.unpack(&archive, Format::NODEJS), "top/lib/x/y");
        sandbox.assert_nothing_outside();

        // A symlink to a directory inside the layer is fine, writing through it is not.
        for format in [Format::PYTHON, Format::NODEJS] {
            let sandbox = Sandbox::new();
            let prefix = if format.strip_components == 1 {
                "top/"
            } else {
                ""
            };
            let entries = [
                dir(&format!("{prefix}lib/")).path.to_string(),
                format!("{prefix}lib/d"),
                format!("{prefix}lib/d/file"),
            ];
            let raw = [
                dir(&entries[0]),
                symlink(&entries[1], "."),
                file(&entries[2], b"!"),
            ];
            let data = match format.compression {
                Compression::Zstd => tar_zst(&raw),
                Compression::Gzip => tar_gz(&raw),
            };
            assert_unsafe(sandbox.unpack(&data, format), &entries[2]);
            sandbox.assert_nothing_outside();
        }
    }

    #[test]
    fn refuses_symlinks_out_of_the_layer() {
        for (link, target) in [
            ("top/up", ".."),
            ("top/abs", "/etc"),
            ("top/a/b", "../../x"),
        ] {
            let sandbox = Sandbox::new();
            let archive = tar_gz(&[symlink(link, target)]);
            assert_unsafe(sandbox.unpack(&archive, Format::NODEJS), link);
        }
    }

    #[test]
    fn hard_links_only_to_files_unpacked_in_the_layer() {
        // Through a symlink that points at the layer root: still refused.
        let sandbox = Sandbox::new();
        let outside = sandbox.root.path().join("secret");
        let archive = tar_gz(&[
            dir("top/lib/"),
            symlink("top/lib/s", ".."),
            hard_link("top/h", "top/lib/s/secret"),
        ]);
        assert_unsafe(sandbox.unpack(&archive, Format::NODEJS), "top/h");
        assert!(!outside.exists());

        for (target, why) in [
            ("top/../secret", "'..'"),
            ("/etc/passwd", "absolute"),
            ("top/dir", "a directory"),
            ("top/missing", "not unpacked"),
        ] {
            let sandbox = Sandbox::new();
            let archive = tar_gz(&[dir("top/dir/"), hard_link("top/h", target)]);
            assert_unsafe(sandbox.unpack(&archive, Format::NODEJS), "top/h");
            assert!(!sandbox.layer().join("h").exists(), "{why}");
        }
    }

    #[test]
    fn replaces_earlier_symlinks_instead_of_writing_through_them() {
        let sandbox = Sandbox::new();
        let archive = tar_zst(&[
            dir("lib/"),
            file("lib/real", b"A"),
            dir("bin/"),
            symlink("bin/sl", "../lib/real"),
            file("bin/sl", b"B"),
        ]);
        sandbox.unpack(&archive, Format::PYTHON).unwrap();
        let layer = sandbox.layer();
        assert_eq!(fs::read(layer.join("lib/real")).unwrap(), b"A");
        assert!(
            fs::symlink_metadata(layer.join("bin/sl"))
                .unwrap()
                .is_file()
        );
        assert_eq!(fs::read(layer.join("bin/sl")).unwrap(), b"B");
    }

    #[test]
    fn clears_setuid_setgid_and_sticky_bits() {
        let sandbox = Sandbox::new();
        let mut setuid = file("bin/su", b"#!/bin/sh\n");
        setuid.mode = 0o4755;
        let mut setgid = dir("shared/");
        setgid.mode = 0o3775;
        let mut read_only = dir("ro/");
        read_only.mode = 0o555;
        let archive = tar_zst(&[setuid, setgid, read_only, file("ro/f", b"x")]);
        sandbox.unpack(&archive, Format::PYTHON).unwrap();
        let mode = |path: &str| {
            fs::metadata(sandbox.layer().join(path))
                .unwrap()
                .permissions()
                .mode()
                & 0o7777
        };
        assert_eq!(mode("bin/su"), 0o755);
        assert_eq!(mode("shared"), 0o775);
        assert_eq!(mode("ro"), 0o755, "the owner keeps write access");
        assert_eq!(fs::read(sandbox.layer().join("ro/f")).unwrap(), b"x");
    }

    #[test]
    fn refuses_devices_and_fifos() {
        for kind in [
            tar::EntryType::Char,
            tar::EntryType::Block,
            tar::EntryType::Fifo,
        ] {
            let sandbox = Sandbox::new();
            let archive = tar_zst(&[Raw {
                path: "dev",
                kind,
                link: "",
                data: b"",
                mode: 0o666,
            }]);
            assert_unsafe(sandbox.unpack(&archive, Format::PYTHON), "dev");
        }
    }

    #[test]
    fn caps_entries_and_bytes() {
        let sandbox = Sandbox::new();
        let names: Vec<String> = (0..11).map(|index| format!("f{index}")).collect();
        let entries: Vec<Raw<'_>> = names.iter().map(|name| file(name, b"x")).collect();
        let limits = Limits {
            max_bytes: 1 << 20,
            max_entries: 10,
        };
        let result = unpack(
            tar_zst(&entries).as_slice(),
            Format::PYTHON,
            &sandbox.layer(),
            limits,
        );
        assert!(
            matches!(result, Err(UnpackError::TooLarge(ref limit)) if limit == "at most 10 entries"),
            "{result:?}"
        );

        let sandbox = Sandbox::new();
        let big = vec![0u8; 2000];
        let limits = Limits {
            max_bytes: 3000,
            max_entries: 10,
        };
        let result = unpack(
            tar_zst(&[file("a", &big), file("b", &big)]).as_slice(),
            Format::PYTHON,
            &sandbox.layer(),
            limits,
        );
        assert!(
            matches!(result, Err(UnpackError::TooLarge(ref limit)) if limit == "at most 3000 bytes unpacked"),
            "{result:?}"
        );
        assert!(!sandbox.layer().join("b").exists());
    }

    #[test]
    fn limits_the_zstd_window() {
        // Streamed without a known size, so the frame keeps the 256 MiB window (2^28).
        let compress = |window_log: u32| {
            let mut encoder = zstd::Encoder::new(Vec::new(), 3).unwrap();
            encoder
                .set_parameter(zstd::zstd_safe::CParameter::WindowLog(window_log))
                .unwrap();
            let data = raw_tar(&[file("big", &vec![5u8; 3 << 20])]);
            for chunk in data.chunks(1 << 16) {
                encoder.write_all(chunk).unwrap();
            }
            encoder.finish().unwrap()
        };
        let sandbox = Sandbox::new();
        assert!(matches!(
            sandbox.unpack(&compress(28), Format::PYTHON),
            Err(UnpackError::Io(_))
        ));
        let sandbox = Sandbox::new();
        sandbox.unpack(&compress(27), Format::PYTHON).unwrap();
    }

    /// Serves `body` (optionally cut after `send` bytes) on a local port, `hits` times.
    fn serve(body: Vec<u8>, status: u16, send: usize, hits: usize) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(hits) {
                let mut stream = stream.unwrap();
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).unwrap();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body[..send.min(body.len())]);
            }
        });
        format!("http://{address}/python.tar.zst")
    }

    #[test]
    fn unpacks_and_verifies_checksum() {
        let body = tar_zst(&[file("bin/python3", b"#!/bin/sh\n")]);
        let sha = format!("{:x}", Sha256::digest(&body));
        let sandbox = Sandbox::new();
        let dir = sandbox.layer();
        let url = serve(body.clone(), 200, usize::MAX, 1);
        download_and_unpack(&url, Some(&sha), Format::PYTHON, &dir, &|_, _| {}).unwrap();
        assert_eq!(fs::read(dir.join("bin/python3")).unwrap(), b"#!/bin/sh\n");

        let url = serve(body, 200, usize::MAX, 1);
        let error =
            download_and_unpack(&url, Some("00"), Format::PYTHON, &dir, &|_, _| {}).unwrap_err();
        assert!(
            matches!(error, ArchiveError::ChecksumMismatch { ref actual, .. } if *actual == sha)
        );
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            0,
            "destination emptied"
        );
        sandbox.assert_nothing_outside();
    }

    #[test]
    fn verifies_the_checksum_before_unpacking() {
        // An unsafe archive with a wrong checksum is rejected for its checksum: it was never
        // unpacked.
        let body = tar_gz(&[symlink("top/up", ".."), file("top/up/escaped", b"!")]);
        let sandbox = Sandbox::new();
        let url = serve(body, 200, usize::MAX, 1);
        let error = download_and_unpack(
            &url,
            Some(&"0".repeat(64)),
            Format::NODEJS,
            &sandbox.layer(),
            &|_, _| panic!("no retry"),
        )
        .unwrap_err();
        assert!(
            matches!(error, ArchiveError::ChecksumMismatch { .. }),
            "{error:?}"
        );
        sandbox.assert_nothing_outside();
    }

    #[test]
    fn not_found_is_final_and_truncation_is_retried() {
        let sandbox = Sandbox::new();
        let dir = sandbox.layer();
        let url = serve(Vec::new(), 404, 0, 1);
        let error =
            download_and_unpack(&url, None, Format::PYTHON, &dir, &|_, _| panic!("no retry"))
                .unwrap_err();
        assert!(matches!(error, ArchiveError::NotFound { status: 404, .. }));

        let body = tar_zst(&[file("lib/big", &vec![7u8; 100_000])]);
        let half = body.len() / 2;
        let url = serve(body, 200, half, ATTEMPTS as usize);
        let retries = std::sync::atomic::AtomicU32::new(0);
        let error = download_and_unpack(&url, None, Format::PYTHON, &dir, &|_, _| {
            retries.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })
        .unwrap_err();
        assert!(matches!(error, ArchiveError::Unpack { .. }), "{error:?}");
        assert_eq!(retries.into_inner(), ATTEMPTS - 1);
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        sandbox.assert_nothing_outside();
    }

    #[test]
    fn unpacks_gzip_archives_without_their_top_directory() {
        let mut node = file("node-v1.0.0-linux-x64/bin/node", b"ELF!");
        node.mode = 0o755;
        let body = tar_gz(&[
            dir("node-v1.0.0-linux-x64/"),
            dir("node-v1.0.0-linux-x64/bin/"),
            node,
            symlink("node-v1.0.0-linux-x64/bin/nodejs", "node"),
            hard_link(
                "node-v1.0.0-linux-x64/bin/node-copy",
                "node-v1.0.0-linux-x64/bin/node",
            ),
            dir("node-v1.0.0-linux-x64/lib/node_modules/npm/bin/"),
            file(
                "node-v1.0.0-linux-x64/lib/node_modules/npm/bin/npm-cli.js",
                b"js",
            ),
            symlink(
                "node-v1.0.0-linux-x64/bin/npm",
                "../lib/node_modules/npm/bin/npm-cli.js",
            ),
        ]);
        let sha = format!("{:x}", Sha256::digest(&body));
        let sandbox = Sandbox::new();
        let dir = sandbox.layer();
        let url = serve(body, 200, usize::MAX, 1);
        download_and_unpack(&url, Some(&sha), Format::NODEJS, &dir, &|_, _| {}).unwrap();
        assert_eq!(fs::read(dir.join("bin/node")).unwrap(), b"ELF!");
        assert_eq!(
            fs::metadata(dir.join("bin/node"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o755
        );
        assert_eq!(
            fs::read_link(dir.join("bin/nodejs")).unwrap(),
            Path::new("node")
        );
        assert_eq!(fs::read(dir.join("bin/node-copy")).unwrap(), b"ELF!");
        assert_eq!(fs::read(dir.join("bin/npm")).unwrap(), b"js");
        assert!(!dir.join("node-v1.0.0-linux-x64").exists());
        assert_eq!(
            strip_components(Path::new("./top/bin/node"), 1),
            Some(PathBuf::from("bin/node"))
        );
        assert_eq!(strip_components(Path::new("top/"), 1), None);
        sandbox.assert_nothing_outside();
    }

    #[test]
    fn refuses_escaping_entries() {
        let body = tar_zst(&[file("ok", b"1"), file("../escape", b"2")]);
        let sandbox = Sandbox::new();
        let url = serve(body, 200, usize::MAX, 1);
        let error = download_and_unpack(&url, None, Format::PYTHON, &sandbox.layer(), &|_, _| {})
            .unwrap_err();
        assert!(
            matches!(error, ArchiveError::UnsafeEntry { ref path, .. } if path == "../escape"),
            "{error:?}"
        );
        sandbox.assert_nothing_outside();
    }
}
