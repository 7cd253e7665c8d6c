//! `WEB_CONCURRENCY` at launch: the number of worker processes gunicorn (and uvicorn) start,
//! chosen from the container's memory limit and CPU count unless the user set it.
//!
//! The build puts a copy of the buildpack's own binary in the launch layer `web-concurrency`
//! as `exec.d/web-concurrency` (Buildpack API 0.10 exec.d: the launcher runs it before every
//! process and reads TOML `NAME = "value"` lines from its file descriptor 3). Started under
//! that name, the binary runs [`exec_d_main`] instead of detect/build.
//!
//! The formula is Heroku's Python buildpack's (its `web_concurrency.sh` exec.d script, 2024):
//! the lower of `2 × CPUs + 1` (gunicorn's documented rule of thumb for workers) and
//! `memory MiB / 256` (each worker gets at least 256 MiB), and at least 1.
//! - Memory: the cgroup limit (v2 `memory.max`, v1 `memory/memory.limit_in_bytes`); with no
//!   limit, the machine's `MemTotal` from `/proc/meminfo`; if neither is known, CPUs alone.
//! - CPUs: the CPUs this process may run on (affinity, as `nproc`), lowered by a cgroup CPU quota
//!   (v2 `cpu.max`, v1 `cpu/cpu.cfs_quota_us` / `cpu.cfs_period_us`), rounded up.
//!
//! E.g. 512 MiB → 2, 1 GiB → 4, 2.5 GiB with 2 CPUs → 5, 14 GiB with 8 CPUs → 17.
//! The cgroup files are read under `/sys/fs/cgroup`; tests point [`CGROUP_ROOT_ENV_VAR`] at a
//! fake tree.

use crate::{BuildpackError, PythonBuildpack, output};
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::UncachedLayerDefinition;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The variable the buildpack sets (and never overrides when the user set it).
pub(crate) const WEB_CONCURRENCY: &str = "WEB_CONCURRENCY";

/// The exec.d program's name, and the name the binary must be started as to run it.
pub(crate) const EXEC_D_NAME: &str = "web-concurrency";

/// For tests only: the directory to read the cgroup files from instead of `/sys/fs/cgroup`.
pub(crate) const CGROUP_ROOT_ENV_VAR: &str = "ASSETPACK_CGROUP_ROOT";

/// Memory each worker gets at least, in MiB.
const MIB_PER_WORKER: u64 = 256;

/// A cgroup v1 "no limit" reads as a huge number (e.g. 9223372036854771712); anything from
/// 2^60 bytes up counts as no limit.
const V1_UNLIMITED: u64 = 1 << 60;

/// What the value was computed from; each field `None` when unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Resources {
    /// Memory available to the container in bytes, and whether it is a cgroup limit (else the
    /// machine's total).
    pub(crate) memory: Option<(u64, MemorySource)>,
    /// CPUs the process may use (at least 1).
    pub(crate) cpus: u64,
}

/// Where the memory figure comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MemorySource {
    CgroupLimit,
    MachineTotal,
}

/// The number of workers for `resources`, and an explanation for the log.
pub(crate) fn workers(resources: Resources) -> (u64, String) {
    let cpus = resources.cpus.max(1);
    let by_cpu = 2 * cpus + 1;
    let cpu_text = format!(
        "{by_cpu} (2 × {cpus} CPU{} + 1)",
        if cpus == 1 { "" } else { "s" }
    );
    match resources.memory {
        Some((bytes, source)) => {
            let mib = bytes / (1024 * 1024);
            let by_memory = (mib / MIB_PER_WORKER).max(1);
            let what = match source {
                MemorySource::CgroupLimit => "memory limit",
                MemorySource::MachineTotal => "memory (no limit set; the machine's total)",
            };
            (
                by_cpu.min(by_memory),
                format!(
                    "the lower of {by_memory} ({mib} MiB {what} / {MIB_PER_WORKER} MiB per worker) and {cpu_text}"
                ),
            )
        }
        None => (by_cpu, format!("{cpu_text}; the memory size is unknown")),
    }
}

/// Parses a cgroup v2 `memory.max` (`max` or bytes) or v1 `memory.limit_in_bytes`; `None` for
/// no limit or unreadable content.
pub(crate) fn parse_memory_limit(contents: &str) -> Option<u64> {
    match contents.trim() {
        "max" => None,
        value => value
            .parse::<u64>()
            .ok()
            .filter(|bytes| *bytes > 0 && *bytes < V1_UNLIMITED),
    }
}

/// Parses a cgroup v2 `cpu.max` (`max 100000` or `<quota> <period>`) into CPUs, rounded up;
/// `None` for no quota.
pub(crate) fn parse_cpu_max(contents: &str) -> Option<u64> {
    let mut parts = contents.split_whitespace();
    let quota = parts.next()?.parse::<i64>().ok()?;
    let period = parts
        .next()
        .map_or(Some(100_000), |p| p.parse::<i64>().ok())?;
    cpus_from_quota(quota, period)
}

/// CPUs from a CFS quota and period in microseconds (rounded up); `None` for no quota (-1).
fn cpus_from_quota(quota: i64, period: i64) -> Option<u64> {
    let quota = u64::try_from(quota).ok().filter(|q| *q > 0)?;
    let period = u64::try_from(period).ok().filter(|p| *p > 0)?;
    Some(quota.div_ceil(period).max(1))
}

/// `MemTotal` from `/proc/meminfo` content, in bytes.
pub(crate) fn parse_meminfo_total(contents: &str) -> Option<u64> {
    contents.lines().find_map(|line| {
        let kib = line.strip_prefix("MemTotal:")?.trim().strip_suffix("kB")?;
        kib.trim().parse::<u64>().ok().map(|kib| kib * 1024)
    })
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// Reads the resources from the cgroup tree at `root` (v2 files first, then v1), the process's
/// CPU affinity, and `/proc/meminfo`.
pub(crate) fn read_resources(root: &Path) -> Resources {
    // cgroup v2 when its file exists (even saying "max"), else v1.
    let limit = read(&root.join("memory.max"))
        .or_else(|| read(&root.join("memory/memory.limit_in_bytes")))
        .and_then(|contents| parse_memory_limit(&contents));
    let memory = limit
        .map(|bytes| (bytes, MemorySource::CgroupLimit))
        .or_else(|| {
            read(Path::new("/proc/meminfo"))
                .and_then(|contents| parse_meminfo_total(&contents))
                .map(|bytes| (bytes, MemorySource::MachineTotal))
        });
    let quota = match read(&root.join("cpu.max")) {
        Some(contents) => parse_cpu_max(&contents),
        None => (|| {
            let quota = read(&root.join("cpu/cpu.cfs_quota_us"))?
                .trim()
                .parse()
                .ok()?;
            let period = read(&root.join("cpu/cpu.cfs_period_us"))?
                .trim()
                .parse()
                .ok()?;
            cpus_from_quota(quota, period)
        })(),
    };
    let available =
        std::thread::available_parallelism().map_or(1, |n| u64::try_from(n.get()).unwrap_or(1));
    let cpus = quota.map_or(available, |quota| quota.min(available)).max(1);
    Resources { memory, cpus }
}

/// Adds the launch layer `web-concurrency` with the exec.d program (a copy of this binary).
///
/// # Errors
/// [`BuildpackError::WebConcurrency`] when the running binary can't be located; libcnb errors
/// for layer I/O.
pub(crate) fn add_exec_d_layer(
    context: &BuildContext<PythonBuildpack>,
) -> libcnb::Result<(), BuildpackError> {
    let binary = std::env::current_exe()
        .map_err(|error| libcnb::Error::BuildpackError(BuildpackError::WebConcurrency(error)))?;
    let layer = context.uncached_layer(
        layer_name!("web-concurrency"),
        UncachedLayerDefinition {
            build: false,
            launch: true,
        },
    )?;
    layer.write_exec_d_programs([(EXEC_D_NAME, binary)])?;
    output::info(format!(
        "{WEB_CONCURRENCY} (gunicorn's and uvicorn's worker count) is set at launch from the \
         container's memory limit and CPUs, unless you set it"
    ));
    Ok(())
}

/// `(title, body)` for [`BuildpackError::WebConcurrency`].
pub(crate) fn render_error(error: &std::io::Error) -> (String, String) {
    (
        "Unable to set up WEB_CONCURRENCY".to_string(),
        format!(
            "Locating the buildpack's binary, which sets {WEB_CONCURRENCY} at launch, failed: \
             {error}\n\n{}",
            crate::output::BUG_REPORT
        ),
    )
}

/// Whether the binary was started as the exec.d program (`argv[0]`'s file name).
pub(crate) fn invoked_as_exec_d(argv0: Option<&OsStr>) -> bool {
    argv0
        .map(Path::new)
        .and_then(Path::file_name)
        .is_some_and(|name| name == EXEC_D_NAME)
}

/// The exec.d program: unless `WEB_CONCURRENCY` is set (and not empty), computes it and writes
/// `WEB_CONCURRENCY = "<n>"` to fd 3; logs the choice to stderr. Never fails the launch: a
/// problem is logged and the process starts without the variable.
pub(crate) fn exec_d_main() {
    const PREFIX: &str = "[assetpack/python]";
    if let Some(value) = std::env::var_os(WEB_CONCURRENCY).filter(|value| !value.is_empty()) {
        eprintln!(
            "{PREFIX} {WEB_CONCURRENCY}={} is set, so it is kept",
            value.to_string_lossy()
        );
        return;
    }
    let root = std::env::var_os(CGROUP_ROOT_ENV_VAR)
        .filter(|value| !value.is_empty())
        .map_or_else(|| PathBuf::from("/sys/fs/cgroup"), PathBuf::from);
    let (count, why) = workers(read_resources(&root));
    // fd 3 is the pipe the launcher reads (opened by path: no unsafe code, and a missing fd 3
    // is an ordinary error).
    let written = std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/self/fd/3")
        .and_then(|mut fd3| writeln!(fd3, "{WEB_CONCURRENCY} = \"{count}\""));
    match written {
        Ok(()) => eprintln!(
            "{PREFIX} {WEB_CONCURRENCY}={count}: {why}. Set {WEB_CONCURRENCY} to choose another value."
        ),
        Err(error) => eprintln!(
            "{PREFIX} could not set {WEB_CONCURRENCY} (writing to file descriptor 3 failed: {error})"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1024 * 1024 * 1024;

    fn limit(bytes: u64, cpus: u64) -> Resources {
        Resources {
            memory: Some((bytes, MemorySource::CgroupLimit)),
            cpus,
        }
    }

    #[test]
    fn formula_matches_herokus_table() {
        assert_eq!(workers(limit(GIB / 2, 8)).0, 2);
        assert_eq!(workers(limit(GIB, 8)).0, 4);
        assert_eq!(workers(limit(GIB * 5 / 2, 2)).0, 5);
        assert_eq!(workers(limit(GIB * 14, 8)).0, 17);
        // Tiny limits still get one worker; one CPU gets three.
        assert_eq!(workers(limit(100 * 1024 * 1024, 4)).0, 1);
        assert_eq!(workers(limit(GIB * 64, 1)).0, 3);
        assert_eq!(
            workers(limit(GIB, 2)),
            (
                4,
                "the lower of 4 (1024 MiB memory limit / 256 MiB per worker) and 5 (2 × 2 CPUs + 1)"
                    .to_string()
            )
        );
        assert_eq!(
            workers(Resources {
                memory: None,
                cpus: 1
            }),
            (
                3,
                "3 (2 × 1 CPU + 1); the memory size is unknown".to_string()
            )
        );
        let (count, why) = workers(Resources {
            memory: Some((GIB * 24, MemorySource::MachineTotal)),
            cpus: 2,
        });
        assert_eq!(count, 5);
        assert!(why.contains("no limit set; the machine's total"), "{why}");
    }

    #[test]
    fn parses_cgroup_files() {
        assert_eq!(parse_memory_limit("max\n"), None);
        assert_eq!(parse_memory_limit("1073741824\n"), Some(GIB));
        assert_eq!(parse_memory_limit("9223372036854771712\n"), None);
        assert_eq!(parse_memory_limit("0\n"), None);
        assert_eq!(parse_memory_limit("garbage"), None);
        assert_eq!(parse_cpu_max("max 100000\n"), None);
        assert_eq!(parse_cpu_max("200000 100000\n"), Some(2));
        assert_eq!(parse_cpu_max("150000 100000\n"), Some(2));
        assert_eq!(parse_cpu_max("50000 100000\n"), Some(1));
        assert_eq!(cpus_from_quota(-1, 100_000), None);
        assert_eq!(
            parse_meminfo_total("MemTotal:       24576000 kB\nMemFree: 1 kB\n"),
            Some(24_576_000 * 1024)
        );
        assert_eq!(parse_meminfo_total("MemFree: 1 kB\n"), None);
    }

    #[test]
    fn reads_v2_then_v1_files() {
        let root = std::env::temp_dir().join(format!("assetpack-cgroup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("memory")).unwrap();
        std::fs::create_dir_all(root.join("cpu")).unwrap();
        std::fs::write(root.join("memory/memory.limit_in_bytes"), "536870912\n").unwrap();
        std::fs::write(root.join("cpu/cpu.cfs_quota_us"), "100000\n").unwrap();
        std::fs::write(root.join("cpu/cpu.cfs_period_us"), "100000\n").unwrap();
        let v1 = read_resources(&root);
        assert_eq!(v1.memory, Some((GIB / 2, MemorySource::CgroupLimit)));
        assert_eq!(v1.cpus, 1);
        std::fs::write(root.join("memory.max"), "1073741824\n").unwrap();
        std::fs::write(root.join("cpu.max"), "max 100000\n").unwrap();
        let v2 = read_resources(&root);
        assert_eq!(v2.memory, Some((GIB, MemorySource::CgroupLimit)));
        assert!(v2.cpus >= 1);
        std::fs::write(root.join("memory.max"), "max\n").unwrap();
        // v2 says no limit: the v1 files are not consulted; the machine's total is used.
        let unlimited = read_resources(&root);
        assert!(matches!(
            unlimited.memory,
            Some((_, MemorySource::MachineTotal))
        ));
        let available = std::thread::available_parallelism().unwrap().get() as u64;
        assert_eq!(unlimited.cpus, available);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn dispatches_on_argv0() {
        assert!(invoked_as_exec_d(Some(OsStr::new(
            "/layers/assetpack_python/web-concurrency/exec.d/web-concurrency"
        ))));
        assert!(!invoked_as_exec_d(Some(OsStr::new(
            "/cnb/buildpacks/x/bin/build"
        ))));
        assert!(!invoked_as_exec_d(None));
    }
}
