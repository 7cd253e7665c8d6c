//! Streaming download of a compressed tar archive into a directory: HTTP → sha256 →
//! zstd or gzip → tar, with no temporary file. CPython archives are `.tar.zst` (this
//! project's builds); Node.js archives are the official `.tar.gz` with one top directory.
//!
//! - Timeouts: connect 10 s, response headers 30 s, whole body 15 min.
//! - Retries: up to [`ATTEMPTS`] attempts with 1 s, 2 s backoff for transport errors, 5xx
//!   statuses and broken streams; the destination is emptied before each retry. A 403/404, a
//!   checksum mismatch or an unsafe entry is final.
//! - Safety: entries with absolute paths or `..`, and links whose targets leave the
//!   destination, are refused ([`check_entry`]).

use sha2::{Digest, Sha256};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// How many times a download is tried before giving up.
pub(crate) const ATTEMPTS: u32 = 3;

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

/// Why a download/unpack failed (after retries, for the retryable kinds).
#[derive(Debug)]
pub(crate) enum ArchiveError {
    /// HTTP 403 or 404: the server doesn't have the file.
    NotFound { url: String, status: u16 },
    /// Another HTTP error status.
    HttpStatus { url: String, status: u16 },
    /// Could not connect, timed out, TLS failure, …
    Transport { url: String, error: ureq::Error },
    /// The stream broke or isn't a valid zstd tar (e.g. a truncated download).
    Unpack { url: String, error: io::Error },
    ChecksumMismatch {
        url: String,
        expected: String,
        actual: String,
    },
    /// An archive entry would be written outside the destination.
    UnsafeEntry { url: String, path: String },
    /// Preparing the destination directory failed.
    Destination(PathBuf, io::Error),
}

impl ArchiveError {
    fn is_retryable(&self) -> bool {
        match self {
            Self::HttpStatus { status, .. } => *status >= 500,
            Self::Transport { .. } | Self::Unpack { .. } => true,
            Self::NotFound { .. }
            | Self::ChecksumMismatch { .. }
            | Self::UnsafeEntry { .. }
            | Self::Destination(..) => false,
        }
    }
}

/// Downloads `url` and unpacks the compressed tar (see [`Format`]) into `destination`, verifying the
/// sha256 of the compressed bytes when `expected_sha256` (lowercase hex) is given. On error
/// the destination is left empty. `on_retry` is told about each retry (attempt number, error).
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
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_recv_response(Some(Duration::from_secs(30)))
        .timeout_recv_body(Some(Duration::from_mins(15)))
        .build()
        .into();
    let mut attempt = 1;
    loop {
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
    let response = agent.get(url).call().map_err(|error| match error {
        ureq::Error::StatusCode(status @ (403 | 404)) => ArchiveError::NotFound {
            url: url.to_string(),
            status,
        },
        ureq::Error::StatusCode(status) => ArchiveError::HttpStatus {
            url: url.to_string(),
            status,
        },
        error => ArchiveError::Transport {
            url: url.to_string(),
            error,
        },
    })?;
    let mut reader = HashingReader {
        inner: response.into_body().into_reader(),
        hasher: Sha256::new(),
    };
    unpack(&mut reader, format, destination, url)?;
    // Hash the whole file, including any bytes after the tar end marker.
    io::copy(&mut reader, &mut io::sink()).map_err(|error| ArchiveError::Unpack {
        url: url.to_string(),
        error,
    })?;
    let actual = format!("{:x}", reader.hasher.finalize());
    match expected_sha256 {
        Some(expected) if !expected.eq_ignore_ascii_case(&actual) => {
            Err(ArchiveError::ChecksumMismatch {
                url: url.to_string(),
                expected: expected.to_string(),
                actual,
            })
        }
        _ => Ok(()),
    }
}

fn unpack(
    reader: &mut impl Read,
    format: Format,
    destination: &Path,
    url: &str,
) -> Result<(), ArchiveError> {
    let unpack_error = |error| ArchiveError::Unpack {
        url: url.to_string(),
        error,
    };
    let decoder: Box<dyn Read + '_> = match format.compression {
        Compression::Zstd => {
            let mut decoder = zstd::Decoder::new(reader).map_err(unpack_error)?;
            // Archives are made with `--long=27`; allow windows up to 2 GiB.
            decoder.window_log_max(31).map_err(unpack_error)?;
            Box::new(decoder)
        }
        Compression::Gzip => Box::new(flate2::read::GzDecoder::new(reader)),
    };
    let mut archive = tar::Archive::new(decoder);
    archive.set_preserve_permissions(true);
    archive.set_preserve_mtime(true);
    archive.set_overwrite(true);
    for entry in archive.entries().map_err(unpack_error)? {
        let mut entry = entry.map_err(unpack_error)?;
        let full_path = entry.path().map_err(unpack_error)?.into_owned();
        let Some(path) = strip_components(&full_path, format.strip_components) else {
            // The top directory itself (or a shorter entry): nothing to write.
            continue;
        };
        let is_hard_link = entry.header().entry_type().is_hard_link();
        let mut link = entry
            .link_name()
            .map_err(unpack_error)?
            .map(std::borrow::Cow::into_owned);
        if is_hard_link && format.strip_components > 0 {
            // Hard link targets name another entry by its full path.
            link = link.and_then(|target| strip_components(&target, format.strip_components));
        }
        if !check_entry(&path, link.as_deref(), is_hard_link) {
            return Err(ArchiveError::UnsafeEntry {
                url: url.to_string(),
                path: path.display().to_string(),
            });
        }
        if format.strip_components == 0 {
            entry.unpack_in(destination).map_err(unpack_error)?;
        } else {
            unpack_stripped(&mut entry, &path, link.as_deref(), destination)
                .map_err(unpack_error)?;
        }
    }
    Ok(())
}

/// `path` without its first `count` components; `None` when nothing is left.
fn strip_components(path: &Path, count: usize) -> Option<PathBuf> {
    let stripped: PathBuf = path
        .components()
        .filter(|component| !matches!(component, Component::CurDir))
        .skip(count)
        .collect();
    (!stripped.as_os_str().is_empty()).then_some(stripped)
}

/// Writes an entry whose path was stripped (already checked by [`check_entry`]). Hard link
/// targets are stripped the same way; `tar`'s `unpack_in` can't rename entries.
fn unpack_stripped<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    path: &Path,
    link_target: Option<&Path>,
    destination: &Path,
) -> io::Result<()> {
    let target = destination.join(path);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    if entry.header().entry_type().is_hard_link() {
        let source = link_target.ok_or_else(|| io::Error::other("hard link without a target"))?;
        let _ = std::fs::remove_file(&target);
        return std::fs::hard_link(destination.join(source), &target);
    }
    entry.unpack(&target).map(|_| ())
}

/// True when an entry stays inside the destination: a relative path without `..`, a hard
/// link target that is such a path too, and a symlink target that, resolved from the
/// entry's directory, never climbs above the destination root.
pub(crate) fn check_entry(path: &Path, link_target: Option<&Path>, is_hard_link: bool) -> bool {
    if !is_contained(Path::new(""), path) {
        return false;
    }
    match link_target {
        None => true,
        Some(target) if is_hard_link => is_contained(Path::new(""), target),
        Some(target) => is_contained(path.parent().unwrap_or(Path::new("")), target),
    }
}

/// Walks `base` then `relative`; false on an absolute path or if `..` leaves the root.
fn is_contained(base: &Path, relative: &Path) -> bool {
    let mut depth: usize = 0;
    for component in base.components().chain(relative.components()) {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                if depth == 0 {
                    return false;
                }
                depth -= 1;
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

fn empty_dir(dir: &Path) -> Result<(), ArchiveError> {
    let remove = || -> io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                std::fs::remove_dir_all(entry.path())?;
            } else {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(())
    };
    remove().map_err(|error| ArchiveError::Destination(dir.to_path_buf(), error))
}

struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.hasher.update(&buf[..read]);
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    #[test]
    fn entry_checks() {
        assert!(check_entry(Path::new("bin/python3"), None, false));
        assert!(check_entry(Path::new("./lib/x.so"), None, false));
        assert!(!check_entry(Path::new("/etc/passwd"), None, false));
        assert!(!check_entry(Path::new("../x"), None, false));
        assert!(!check_entry(Path::new("bin/../../x"), None, false));
        assert!(check_entry(
            Path::new("bin/python"),
            Some(Path::new("python3")),
            false
        ));
        assert!(check_entry(
            Path::new("lib/a/b"),
            Some(Path::new("../../bin/x")),
            false
        ));
        assert!(!check_entry(
            Path::new("lib/a"),
            Some(Path::new("../../x")),
            false
        ));
        assert!(!check_entry(
            Path::new("bin/x"),
            Some(Path::new("/usr/bin/python3")),
            false
        ));
        assert!(check_entry(
            Path::new("bin/b"),
            Some(Path::new("bin/a")),
            true
        ));
        assert!(!check_entry(
            Path::new("bin/b"),
            Some(Path::new("../a")),
            true
        ));
    }

    fn tar_zst(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            // Write the raw name so unsafe paths can be tested.
            header.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
        zstd::encode_all(builder.into_inner().unwrap().as_slice(), 3).unwrap()
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
                write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .unwrap();
                stream.write_all(&body[..send.min(body.len())]).unwrap();
            }
        });
        format!("http://{address}/python.tar.zst")
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("assetpack-archive-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn unpacks_and_verifies_checksum() {
        let body = tar_zst(&[("bin/python3", b"#!/bin/sh\n")]);
        let sha = format!("{:x}", Sha256::digest(&body));
        let dir = temp_dir("ok");
        let url = serve(body.clone(), 200, usize::MAX, 1);
        download_and_unpack(&url, Some(&sha), Format::PYTHON, &dir, &|_, _| {}).unwrap();
        assert_eq!(
            std::fs::read(dir.join("bin/python3")).unwrap(),
            b"#!/bin/sh\n"
        );

        let url = serve(body, 200, usize::MAX, 1);
        let error =
            download_and_unpack(&url, Some("00"), Format::PYTHON, &dir, &|_, _| {}).unwrap_err();
        assert!(
            matches!(error, ArchiveError::ChecksumMismatch { ref actual, .. } if *actual == sha)
        );
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "destination emptied"
        );
    }

    #[test]
    fn not_found_is_final_and_truncation_is_retried() {
        let dir = temp_dir("errors");
        let url = serve(Vec::new(), 404, 0, 1);
        let error =
            download_and_unpack(&url, None, Format::PYTHON, &dir, &|_, _| panic!("no retry"))
                .unwrap_err();
        assert!(matches!(error, ArchiveError::NotFound { status: 404, .. }));

        let body = tar_zst(&[("lib/big", &vec![7u8; 100_000])]);
        let half = body.len() / 2;
        let url = serve(body, 200, half, ATTEMPTS as usize);
        let retries = std::sync::atomic::AtomicU32::new(0);
        let error = download_and_unpack(&url, None, Format::PYTHON, &dir, &|_, _| {
            retries.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })
        .unwrap_err();
        assert!(matches!(error, ArchiveError::Unpack { .. }), "{error:?}");
        assert_eq!(retries.into_inner(), ATTEMPTS - 1);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    }

    /// A Node.js-style archive: gzip, one top directory, a symlink and a hard link.
    fn node_style_tar_gz() -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut dir = tar::Header::new_gnu();
        dir.set_entry_type(tar::EntryType::Directory);
        dir.set_mode(0o755);
        dir.set_size(0);
        builder
            .append_data(&mut dir, "node-v1.0.0-linux-x64/", std::io::empty())
            .unwrap();
        let mut file = tar::Header::new_gnu();
        file.set_mode(0o755);
        file.set_size(4);
        builder
            .append_data(&mut file, "node-v1.0.0-linux-x64/bin/node", &b"ELF!"[..])
            .unwrap();
        let mut symlink = tar::Header::new_gnu();
        symlink.set_entry_type(tar::EntryType::Symlink);
        symlink.set_size(0);
        builder
            .append_link(&mut symlink, "node-v1.0.0-linux-x64/bin/nodejs", "node")
            .unwrap();
        let mut hard_link = tar::Header::new_gnu();
        hard_link.set_entry_type(tar::EntryType::Link);
        hard_link.set_size(0);
        builder
            .append_link(
                &mut hard_link,
                "node-v1.0.0-linux-x64/bin/node-copy",
                "node-v1.0.0-linux-x64/bin/node",
            )
            .unwrap();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &builder.into_inner().unwrap()).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn unpacks_gzip_archives_without_their_top_directory() {
        use std::os::unix::fs::PermissionsExt;
        let body = node_style_tar_gz();
        let sha = format!("{:x}", Sha256::digest(&body));
        let dir = temp_dir("gzip");
        let url = serve(body, 200, usize::MAX, 1);
        download_and_unpack(&url, Some(&sha), Format::NODEJS, &dir, &|_, _| {}).unwrap();
        assert_eq!(std::fs::read(dir.join("bin/node")).unwrap(), b"ELF!");
        assert_eq!(
            std::fs::metadata(dir.join("bin/node"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o755
        );
        assert_eq!(
            std::fs::read_link(dir.join("bin/nodejs")).unwrap(),
            Path::new("node")
        );
        assert_eq!(std::fs::read(dir.join("bin/node-copy")).unwrap(), b"ELF!");
        assert!(!dir.join("node-v1.0.0-linux-x64").exists());
        assert_eq!(
            strip_components(Path::new("./top/bin/node"), 1),
            Some(PathBuf::from("bin/node"))
        );
        assert_eq!(strip_components(Path::new("top/"), 1), None);
    }

    #[test]
    fn refuses_escaping_entries() {
        let body = tar_zst(&[("ok", b"1"), ("../escape", b"2")]);
        let dir = temp_dir("escape");
        let url = serve(body, 200, usize::MAX, 1);
        let error = download_and_unpack(&url, None, Format::PYTHON, &dir, &|_, _| {}).unwrap_err();
        assert!(matches!(error, ArchiveError::UnsafeEntry { ref path, .. } if path == "../escape"));
        assert!(!dir.parent().unwrap().join("escape").exists());
    }
}
