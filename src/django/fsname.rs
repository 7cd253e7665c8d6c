//! File names as the Django helper writes them into JSON (`fsname` in `assetpack_django.py`):
//! UTF-8 text with `%` written as `%25` and every byte that isn't part of valid UTF-8 as `%XX`
//! (upper-case hex). JSON can't carry the lone surrogates Python uses for such bytes, and a
//! static file name needn't be UTF-8 on Linux.

use std::ffi::{OsStr, OsString};
use std::fmt::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

/// Decodes an fsname to the bytes of the name. A `%` not followed by two hex digits is kept
/// as is (the helper never writes one).
pub(crate) fn decode(name: &str) -> OsString {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && let Some(byte) = bytes
                .get(index + 1..index + 3)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    OsString::from_vec(out)
}

/// [`decode`] as a path.
pub(crate) fn path(name: &str) -> PathBuf {
    PathBuf::from(decode(name))
}

/// Encodes a name from the filesystem the way the helper does.
pub(crate) fn encode(name: &OsStr) -> String {
    let mut out = String::new();
    let mut rest = name.as_bytes();
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                out.push_str(&text.replace('%', "%25"));
                return out;
            }
            Err(error) => {
                let (valid, invalid) = rest.split_at(error.valid_up_to());
                // `valid` is UTF-8 by construction.
                out.push_str(&String::from_utf8_lossy(valid).replace('%', "%25"));
                let _ = write!(out, "%{:02X}", invalid[0]);
                rest = &invalid[1..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_any_bytes() {
        for raw in [
            &b"css/site.css"[..],
            b"100%/done.txt",
            b"caf\xe9/x\xff.txt",
            "ünï/%41.png".as_bytes(),
            b"%",
            b"",
        ] {
            let name = OsStr::from_bytes(raw);
            let encoded = encode(name);
            assert!(encoded.is_ascii() || std::str::from_utf8(raw).is_ok());
            assert_eq!(decode(&encoded), name, "{encoded}");
        }
        assert_eq!(encode(OsStr::from_bytes(b"caf\xe9.txt")), "caf%E9.txt");
        assert_eq!(encode(OsStr::new("a%b")), "a%25b");
    }

    #[test]
    fn decodes_what_the_helper_writes() {
        assert_eq!(decode("caf%E9/x%FF.txt").as_bytes(), b"caf\xe9/x\xff.txt");
        assert_eq!(decode("a%25b"), OsStr::new("a%b"));
        assert_eq!(decode("50%"), OsStr::new("50%"), "a stray % stays");
    }
}
