//! Build log helpers: one header per step, plain lines, and durations for long steps.

use std::time::{Duration, Instant};

pub(crate) use libherokubuildpack::log::{
    log_header as header, log_info as info, log_warning as warning,
};

/// Formats a duration for people and benchmark scripts: `0.42s`, `12.30s`, `2m 05s`.
pub(crate) fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 60.0 {
        format!("{seconds:.2}s")
    } else {
        let whole = duration.as_secs();
        format!("{}m {:02}s", whole / 60, whole % 60)
    }
}

/// Logs `"<what> (took <duration>)"` for a step started at `started`.
pub(crate) fn done(what: &str, started: Instant) {
    info(format!(
        "{what} (took {})",
        format_duration(started.elapsed())
    ));
}

/// The closing line of errors that only a buildpack bug (or broken packaging) can cause.
pub(crate) const BUG_REPORT: &str = "This looks like a bug in the buildpack or its packaging: please report it \
    at https://github.com/assetpack/python/issues with the build log.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_durations() {
        assert_eq!(format_duration(Duration::from_millis(400)), "0.40s");
        assert_eq!(format_duration(Duration::from_millis(12_345)), "12.35s");
        assert_eq!(format_duration(Duration::from_secs(125)), "2m 05s");
    }
}
