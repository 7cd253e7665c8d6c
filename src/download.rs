//! Fetching a runtime archive over HTTPS into a temporary file, hashing it as it streams.
//!
//! - URLs: `https://` only; plain `http://` only for loopback hosts (`127.0.0.0/8`, `::1`,
//!   `localhost`), e.g. a test mirror ([`check_url`]). Redirects are followed by hand (at most
//!   [`MAX_REDIRECTS`]); every hop passes the same check and may not go from https to http.
//! - TLS trusts the build image's CA store (rustls-platform-verifier), like pip, uv and npm.
//! - The body is saved as served: no `Content-Encoding` decoding, at most
//!   [`MAX_DOWNLOAD_BYTES`].
//! - Timeouts: connect 10 s, response headers 30 s, [`IDLE_READ_TIMEOUT`] without any data,
//!   whole body 15 min.
//! - URLs are shown with any `user:pass@` replaced ([`redact`]).

use crate::archive::{ArchiveError, Refusal};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;
use ureq::tls::{RootCerts, TlsConfig};

/// How many redirects one download may follow.
pub(crate) const MAX_REDIRECTS: usize = 5;
/// The largest archive (as served) accepted: 1 GiB.
pub(crate) const MAX_DOWNLOAD_BYTES: u64 = 1 << 30;
/// A download that receives nothing for this long fails (and is retried).
pub(crate) const IDLE_READ_TIMEOUT: Duration = Duration::from_mins(1);

/// The HTTP agent for runtime downloads; `idle_read_timeout` is [`IDLE_READ_TIMEOUT`] outside
/// tests.
pub(crate) fn agent(idle_read_timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .tls_config(
            TlsConfig::builder()
                .root_certs(RootCerts::PlatformVerifier)
                .build(),
        )
        // Redirects and statuses are handled in `fetch`, with the https checks.
        .max_redirects(0)
        .http_status_as_error(false)
        .accept_encoding("")
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_recv_response(Some(Duration::from_secs(30)))
        .timeout_per_read(Some(idle_read_timeout))
        .timeout_recv_body(Some(Duration::from_mins(15)))
        .build()
        .into()
}

/// A downloaded file, rewound to its start, with its sha256 (lowercase hex).
pub(crate) struct Fetched {
    pub(crate) file: File,
    pub(crate) sha256: String,
}

/// Downloads `url` (following redirects) into an unnamed temporary file in `temp_dir` (so on
/// the layer's filesystem), hashing it on the way.
///
/// # Errors
/// [`ArchiveError::Refused`] for a URL or redirect that breaks the rules above;
/// [`ArchiveError::NotFound`] / [`ArchiveError::HttpStatus`] for error statuses;
/// [`ArchiveError::Transport`] for connection, TLS and timeout errors; [`ArchiveError::Unpack`]
/// when the body is cut off; [`ArchiveError::TooLarge`] beyond `max_bytes`;
/// [`ArchiveError::Destination`] when the temporary file can't be written.
pub(crate) fn fetch(
    agent: &ureq::Agent,
    url: &str,
    temp_dir: &Path,
    max_bytes: u64,
) -> Result<Fetched, ArchiveError> {
    let mut current = url.to_string();
    for _ in 0..=MAX_REDIRECTS {
        check_url(&current).map_err(|reason| ArchiveError::Refused {
            url: redact(&current),
            reason,
        })?;
        let response = agent
            .get(&current)
            .call()
            .map_err(|error| ArchiveError::Transport {
                url: redact(&current),
                error,
            })?;
        let status = response.status().as_u16();
        match status {
            200 => return save(response, &current, temp_dir, max_bytes),
            301 | 302 | 303 | 307 | 308 => {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|value| value.to_str().ok())
                    .ok_or_else(|| ArchiveError::Refused {
                        url: redact(&current),
                        reason: Refusal::RedirectWithoutLocation,
                    })?;
                let next = resolve_location(&current, location);
                if is_https(&current) && !is_https(&next) {
                    return Err(ArchiveError::Refused {
                        url: redact(&current),
                        reason: Refusal::RedirectToHttp(redact(&next)),
                    });
                }
                current = next;
            }
            403 | 404 | 410 => {
                return Err(ArchiveError::NotFound {
                    url: redact(&current),
                    status,
                });
            }
            _ => {
                return Err(ArchiveError::HttpStatus {
                    url: redact(&current),
                    status,
                });
            }
        }
    }
    Err(ArchiveError::Refused {
        url: redact(url),
        reason: Refusal::TooManyRedirects,
    })
}

fn save(
    response: ureq::http::Response<ureq::Body>,
    url: &str,
    temp_dir: &Path,
    max_bytes: u64,
) -> Result<Fetched, ArchiveError> {
    let destination_error = |error| ArchiveError::Destination(temp_dir.to_path_buf(), error);
    let mut file = tempfile::tempfile_in(temp_dir).map_err(destination_error)?;
    let mut body = response.into_body().into_reader();
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let read = match body.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                return Err(ArchiveError::Unpack {
                    url: redact(url),
                    error,
                });
            }
        };
        total += read as u64;
        if total > max_bytes {
            return Err(ArchiveError::TooLarge {
                url: redact(url),
                limit: format!("a download of at most {max_bytes} bytes"),
            });
        }
        hasher.update(&buffer[..read]);
        file.write_all(&buffer[..read]).map_err(destination_error)?;
    }
    file.rewind().map_err(destination_error)?;
    Ok(Fetched {
        file,
        sha256: format!("{:x}", hasher.finalize()),
    })
}

/// Whether `url` may be fetched: an absolute `https://` URL, or `http://` to a loopback host.
///
/// # Errors
/// The [`Refusal`] saying why not.
pub(crate) fn check_url(url: &str) -> Result<(), Refusal> {
    let uri: ureq::http::Uri = url
        .parse()
        .map_err(|error: ureq::http::uri::InvalidUri| Refusal::InvalidUrl(error.to_string()))?;
    let scheme = uri
        .scheme_str()
        .ok_or_else(|| Refusal::InvalidUrl("it has no scheme (https://…)".into()))?;
    let host = uri
        .host()
        .filter(|host| !host.is_empty())
        .ok_or_else(|| Refusal::InvalidUrl("it has no host".into()))?;
    if scheme.eq_ignore_ascii_case("https") {
        Ok(())
    } else if scheme.eq_ignore_ascii_case("http") {
        if is_loopback_host(host) {
            Ok(())
        } else {
            Err(Refusal::PlainHttp)
        }
    } else {
        Err(Refusal::Scheme(scheme.to_string()))
    }
}

fn is_https(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// `localhost`, `127.0.0.0/8` or `::1` (with or without the URL's brackets).
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|host| host.strip_suffix(']'))
        .unwrap_or(host);
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The URL a `Location` header points to, from the URL that answered with it: absolute
/// (`https://…`), scheme-relative (`//host/…`), absolute-path (`/…`) or relative to the
/// current directory.
pub(crate) fn resolve_location(current: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_string();
    }
    let scheme_end = current.find("://").map_or(0, |index| index + 3);
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{}{rest}", &current[..scheme_end]);
    }
    let after_scheme = &current[scheme_end..];
    let authority_end = scheme_end
        + after_scheme
            .find(['/', '?', '#'])
            .unwrap_or(after_scheme.len());
    if location.starts_with('/') {
        return format!("{}{location}", &current[..authority_end]);
    }
    let path_end = authority_end
        + current[authority_end..]
            .find(['?', '#'])
            .unwrap_or(current.len() - authority_end);
    let directory_end = current[authority_end..path_end]
        .rfind('/')
        .map_or(authority_end, |index| authority_end + index);
    format!("{}/{location}", &current[..directory_end])
}

/// `url` with the `user:pass@` part of its authority (if any) replaced by `***@`, for logs
/// and errors.
pub(crate) fn redact(url: &str) -> String {
    let Some(start) = url.find("://").map(|index| index + 3) else {
        return url.to_string();
    };
    let rest = &url[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***@{}", &url[..start], &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Serves one canned response per connection, `responses` in order; returns the base URL.
    fn serve(responses: Vec<Vec<u8>>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for (stream, response) in listener.incoming().zip(responses) {
                let mut stream = stream.unwrap();
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).unwrap();
                let _ = stream.write_all(&response);
            }
        });
        format!("http://{address}")
    }

    fn response(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
        let mut response = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
            body.len()
        )
        .into_bytes();
        response.extend_from_slice(body);
        response
    }

    fn temp_dir() -> std::path::PathBuf {
        std::env::temp_dir()
    }

    #[test]
    fn only_https_or_loopback_http() {
        assert_eq!(check_url("https://example.com/a.tar.gz"), Ok(()));
        assert_eq!(check_url("HTTPS://example.com/a"), Ok(()));
        assert_eq!(check_url("http://127.0.0.1:8080/a"), Ok(()));
        assert_eq!(check_url("http://127.1.2.3/a"), Ok(()));
        assert_eq!(check_url("http://[::1]:8080/a"), Ok(()));
        assert_eq!(check_url("http://localhost/a"), Ok(()));
        assert_eq!(check_url("http://LOCALHOST:1/a"), Ok(()));
        assert_eq!(check_url("http://example.com/a"), Err(Refusal::PlainHttp));
        assert_eq!(check_url("http://10.0.0.1/a"), Err(Refusal::PlainHttp));
        assert_eq!(
            check_url("http://localhost.example.com/a"),
            Err(Refusal::PlainHttp)
        );
        assert_eq!(
            check_url("http://127.0.0.1@example.com/a"),
            Err(Refusal::PlainHttp),
            "userinfo isn't the host"
        );
        assert_eq!(
            check_url("ftp://example.com/a"),
            Err(Refusal::Scheme("ftp".into()))
        );
        assert!(matches!(
            check_url("example.com/a"),
            Err(Refusal::InvalidUrl(_))
        ));
        assert!(matches!(
            check_url("https://exa mple.com/"),
            Err(Refusal::InvalidUrl(_))
        ));
        assert!(matches!(check_url(""), Err(Refusal::InvalidUrl(_))));
    }

    #[test]
    fn redacts_credentials() {
        assert_eq!(
            redact("https://user:s3cret@mirror.example/py/a.tar.zst"),
            "https://***@mirror.example/py/a.tar.zst"
        );
        assert_eq!(redact("https://tok@host"), "https://***@host");
        assert_eq!(
            redact("https://host/path@version"),
            "https://host/path@version"
        );
        assert_eq!(redact("https://a:b@c@host/x"), "https://***@host/x");
        assert_eq!(redact("no scheme@host"), "no scheme@host");
    }

    #[test]
    fn resolves_redirect_locations() {
        let base = "https://a.example/dist/v1/node.tar.gz?x=1";
        assert_eq!(
            resolve_location(base, "https://b.example/n.tar.gz"),
            "https://b.example/n.tar.gz"
        );
        assert_eq!(
            resolve_location(base, "//c.example/n"),
            "https://c.example/n"
        );
        assert_eq!(resolve_location(base, "/other"), "https://a.example/other");
        assert_eq!(
            resolve_location(base, "n2.tar.gz"),
            "https://a.example/dist/v1/n2.tar.gz"
        );
        assert_eq!(
            resolve_location("https://a.example", "x"),
            "https://a.example/x"
        );
    }

    #[test]
    fn follows_redirects_and_saves_the_body_undecoded() {
        let target = serve(vec![response(
            "200 OK",
            "Content-Encoding: gzip\r\n",
            b"raw bytes",
        )]);
        let first = serve(vec![response(
            "302 Found",
            &format!("Location: {target}/file\r\n"),
            b"",
        )]);
        let mut fetched = fetch(
            &agent(IDLE_READ_TIMEOUT),
            &format!("{first}/file"),
            &temp_dir(),
            MAX_DOWNLOAD_BYTES,
        )
        .unwrap();
        let mut body = String::new();
        fetched.file.read_to_string(&mut body).unwrap();
        assert_eq!(body, "raw bytes", "no Content-Encoding decoding");
        assert_eq!(
            fetched.sha256,
            format!("{:x}", Sha256::digest(b"raw bytes"))
        );
    }

    #[test]
    fn refuses_redirects_to_plain_http_and_endless_redirects() {
        let base = serve(vec![response(
            "301 Moved",
            "Location: http://example.com/file\r\n",
            b"",
        )]);
        let error = fetch(
            &agent(IDLE_READ_TIMEOUT),
            &format!("{base}/file"),
            &temp_dir(),
            MAX_DOWNLOAD_BYTES,
        )
        .err()
        .unwrap();
        assert!(
            matches!(error, ArchiveError::Refused { reason: Refusal::PlainHttp, ref url } if url == "http://example.com/file"),
            "{error:?}"
        );
        assert!(!error.is_retryable());

        let loops = (0..=MAX_REDIRECTS)
            .map(|_| response("302 Found", "Location: /again\r\n", b""))
            .collect();
        let base = serve(loops);
        let error = fetch(
            &agent(IDLE_READ_TIMEOUT),
            &format!("{base}/again"),
            &temp_dir(),
            MAX_DOWNLOAD_BYTES,
        )
        .err()
        .unwrap();
        assert!(
            matches!(
                error,
                ArchiveError::Refused {
                    reason: Refusal::TooManyRedirects,
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn refused_urls_and_not_found_are_final_and_redacted() {
        let error = fetch(
            &agent(IDLE_READ_TIMEOUT),
            "http://user:pw@example.com/a",
            &temp_dir(),
            MAX_DOWNLOAD_BYTES,
        )
        .err()
        .unwrap();
        assert!(!error.is_retryable());
        assert!(
            matches!(error, ArchiveError::Refused { ref url, .. } if url == "http://***@example.com/a"),
            "{error:?}"
        );
        let base = serve(vec![response("404 Not Found", "", b"")]);
        let error = fetch(
            &agent(IDLE_READ_TIMEOUT),
            &format!("{base}/missing"),
            &temp_dir(),
            MAX_DOWNLOAD_BYTES,
        )
        .err()
        .unwrap();
        assert!(matches!(error, ArchiveError::NotFound { status: 404, .. }));
        assert!(!error.is_retryable());
        let base = serve(vec![response("503 Busy", "", b"")]);
        let error = fetch(
            &agent(IDLE_READ_TIMEOUT),
            &format!("{base}/busy"),
            &temp_dir(),
            MAX_DOWNLOAD_BYTES,
        )
        .err()
        .unwrap();
        assert!(error.is_retryable());
        let tls = ArchiveError::Transport {
            url: String::new(),
            error: ureq::Error::Io(io::Error::new(io::ErrorKind::InvalidData, "UnknownIssuer")),
        };
        assert!(!tls.is_retryable(), "a certificate error is final");
    }

    /// Needs the network: on a network whose TLS proxy only the system's CA store trusts,
    /// this fails with ureq's bundled roots.
    #[test]
    #[ignore = "needs network access to pypi.org"]
    fn fetches_over_https_with_the_system_ca_store() {
        let mut fetched = fetch(
            &agent(IDLE_READ_TIMEOUT),
            "https://pypi.org/simple/pip/",
            &temp_dir(),
            MAX_DOWNLOAD_BYTES,
        )
        .unwrap();
        let mut body = String::new();
        fetched.file.read_to_string(&mut body).unwrap();
        assert!(body.contains("pip-"), "{body}");
    }

    #[test]
    fn caps_the_size_and_times_out_a_stalled_body() {
        let base = serve(vec![response("200 OK", "", &[1u8; 1000])]);
        let error = fetch(
            &agent(IDLE_READ_TIMEOUT),
            &format!("{base}/big"),
            &temp_dir(),
            999,
        )
        .err()
        .unwrap();
        assert!(matches!(error, ArchiveError::TooLarge { .. }), "{error:?}");

        // Announces 10 bytes, sends 2, then stalls with the connection open.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).unwrap();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
                .unwrap();
            std::thread::sleep(Duration::from_secs(5));
        });
        let started = std::time::Instant::now();
        let error = fetch(
            &agent(Duration::from_millis(300)),
            &format!("http://{address}/stalled"),
            &temp_dir(),
            MAX_DOWNLOAD_BYTES,
        )
        .err()
        .unwrap();
        assert!(started.elapsed() < Duration::from_secs(4), "idle timeout");
        assert!(error.is_retryable(), "{error:?}");
    }
}
