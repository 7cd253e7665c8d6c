//! Checks that the installed Python runtime works on this build image: one `python3` process
//! imports the extension modules that load system shared libraries (the run image contract in
//! the README). A build image without, say, libssl3 otherwise fails much later, in pip, with an
//! error that looks like a network problem.

use crate::command::{self, CommandError};
use libcnb::Env;
use std::collections::BTreeMap;
use std::path::Path;

/// The extension modules checked, each with what users know it as. The underscore modules are
/// the compiled parts that load the system libraries (`uuid` and `hashlib` import theirs
/// optionally and would hide a failure).
pub(crate) const CHECKED_MODULES: &[(&str, &str)] = &[
    ("_ssl", "ssl"),
    ("_hashlib", "hashlib"),
    ("_sqlite3", "sqlite3"),
    ("_ctypes", "ctypes"),
    ("_lzma", "lzma"),
    ("_bz2", "bz2"),
    ("zlib", "zlib"),
    ("readline", "readline"),
    ("_uuid", "uuid"),
    ("_decimal", "decimal"),
    ("pyexpat", "xml.parsers.expat"),
    ("zoneinfo", "zoneinfo"),
];

/// The Debian/Ubuntu packages that provide the shared libraries of [`CHECKED_MODULES`]:
/// `(soname, package on Debian 12 and Ubuntu 22.04, package on Debian 13 and Ubuntu 24.04)`
/// (the second differs where the 64-bit `time_t` transition renamed it).
pub(crate) const LIBRARY_PACKAGES: &[(&str, &str, &str)] = &[
    ("libssl.so.3", "libssl3", "libssl3t64"),
    ("libcrypto.so.3", "libssl3", "libssl3t64"),
    ("libsqlite3.so.0", "libsqlite3-0", "libsqlite3-0"),
    ("libffi.so.8", "libffi8", "libffi8"),
    ("liblzma.so.5", "liblzma5", "liblzma5"),
    ("libbz2.so.1.0", "libbz2-1.0", "libbz2-1.0"),
    ("libz.so.1", "zlib1g", "zlib1g"),
    ("libreadline.so.8", "libreadline8", "libreadline8t64"),
    ("libtinfo.so.6", "libtinfo6", "libtinfo6"),
    ("libncursesw.so.6", "libncursesw6", "libncursesw6"),
    ("libuuid.so.1", "libuuid1", "libuuid1"),
    ("libgdbm.so.6", "libgdbm6", "libgdbm6t64"),
    ("libcrypt.so.1", "libcrypt1", "libcrypt1"),
    ("libnsl.so.2", "libnsl2", "libnsl2"),
    ("libtirpc.so.3", "libtirpc3", "libtirpc3t64"),
];

/// One module that failed to import: its name as users know it, and Python's error text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FailedModule {
    pub(crate) module: String,
    pub(crate) error: String,
}

impl FailedModule {
    /// The shared library the import error names (`libssl.so.3` from
    /// `libssl.so.3: cannot open shared object file: No such file or directory`), if any.
    pub(crate) fn missing_library(&self) -> Option<&str> {
        let (before, _) = self.error.split_once(": cannot open shared object file")?;
        before
            .rsplit(|c: char| c.is_whitespace() || c == '(' || c == '\'' || c == '"')
            .next()
            .filter(|name| name.contains(".so"))
    }
}

/// Why the runtime check failed.
#[derive(Debug)]
pub(crate) enum RuntimeCheckError {
    /// `python3` didn't run, or printed something other than the check's report.
    PythonFailed(CommandError),
    /// Python ran; these modules could not be imported.
    ModulesFailed(Vec<FailedModule>),
}

/// The program `python3 -I -S -c` runs: tries every module, prints `{"module": "error"}` for the
/// failures as JSON on one line.
fn check_program() -> String {
    let modules = CHECKED_MODULES
        .iter()
        .map(|(module, shown)| format!("({module:?}, {shown:?})"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "import importlib, json\n\
         failed = {{}}\n\
         for module, shown in [{modules}]:\n\
         \x20   try:\n\
         \x20       importlib.import_module(module)\n\
         \x20   except Exception as error:\n\
         \x20       failed[shown] = f'{{type(error).__name__}}: {{error}}'\n\
         print(json.dumps(failed))\n"
    )
}

/// Parses the check's report (the last stdout line: a JSON object `{"module": "error"}`).
fn parse_report(stdout: &str) -> Option<Vec<FailedModule>> {
    let report: BTreeMap<String, String> =
        serde_json::from_str(stdout.trim_end().lines().last()?).ok()?;
    Some(
        report
            .into_iter()
            .map(|(module, error)| FailedModule { module, error })
            .collect(),
    )
}

/// Runs the check with `python_layer/bin/python3` in `env` (the build env with the python
/// layer applied).
///
/// # Errors
/// [`RuntimeCheckError::ModulesFailed`] when modules can't be imported (most often: a shared
/// library missing from the build image); [`RuntimeCheckError::PythonFailed`] when the
/// interpreter itself doesn't run or its output isn't the report.
pub(crate) fn check_runtime(python_layer: &Path, env: &Env) -> Result<(), RuntimeCheckError> {
    let python = python_layer.join("bin").join("python3");
    let shown = "python3 -I -S -c <import check>";
    let output = command::run_captured(
        command::command(&python, env)
            .args(["-I", "-S", "-c"])
            .arg(check_program()),
        shown,
    )
    .map_err(RuntimeCheckError::PythonFailed)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    match parse_report(&stdout) {
        Some(failed) if failed.is_empty() => Ok(()),
        Some(failed) => Err(RuntimeCheckError::ModulesFailed(failed)),
        None => Err(RuntimeCheckError::PythonFailed(CommandError {
            command: shown.to_string(),
            kind: command::CommandErrorKind::Failed(output.status, Some(output)),
        })),
    }
}

/// The packages that provide `soname`: `(Debian 12 / Ubuntu 22.04, Debian 13 / Ubuntu 24.04)`.
pub(crate) fn package_for(soname: &str) -> Option<(&'static str, &'static str)> {
    LIBRARY_PACKAGES
        .iter()
        .find(|(name, _, _)| *name == soname)
        .map(|(_, bookworm, trixie)| (*bookworm, *trixie))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_missing_library_in_import_errors() {
        let failed = FailedModule {
            module: "ssl".into(),
            error: "ImportError: libssl.so.3: cannot open shared object file: No such file or directory"
                .into(),
        };
        assert_eq!(failed.missing_library(), Some("libssl.so.3"));
        let other = FailedModule {
            module: "readline".into(),
            error: "ImportError: /layers/python/lib/python3.13/lib-dynload/readline.cpython-313-x86_64-linux-gnu.so: undefined symbol: rl_foo"
                .into(),
        };
        assert_eq!(other.missing_library(), None);
        assert_eq!(
            package_for("libcrypto.so.3"),
            Some(("libssl3", "libssl3t64"))
        );
        assert_eq!(package_for("libfoo.so.1"), None);
    }

    #[test]
    fn parses_the_report() {
        assert_eq!(parse_report("{}\n"), Some(vec![]));
        assert_eq!(
            parse_report("noise\n{\"ssl\": \"ImportError: x\"}\n"),
            Some(vec![FailedModule {
                module: "ssl".into(),
                error: "ImportError: x".into()
            }])
        );
        assert_eq!(parse_report("Traceback"), None);
        assert_eq!(parse_report(""), None);
    }

    #[test]
    fn the_program_checks_every_module() {
        let program = check_program();
        for (module, shown) in CHECKED_MODULES {
            assert!(program.contains(&format!("({module:?}, {shown:?})")));
        }
    }

    #[test]
    fn the_program_reports_failures_as_json() {
        // Any Python 3 runs it: the host's, when there is one (the archives' own in the
        // integration tests).
        let Ok(output) = std::process::Command::new("python3")
            .args(["-I", "-S", "-c"])
            .arg(
                check_program()
                    .replace("\"zoneinfo\", \"zoneinfo\"", "\"no_such_module\", \"nope\""),
            )
            .output()
        else {
            return;
        };
        let failed = parse_report(&String::from_utf8_lossy(&output.stdout)).unwrap_or_default();
        assert!(
            failed
                .iter()
                .any(|f| f.module == "nope" && f.error.starts_with("ModuleNotFoundError")),
            "{failed:?}"
        );
    }

    #[test]
    fn every_library_has_a_package() {
        for (soname, bookworm, trixie) in LIBRARY_PACKAGES {
            assert!(soname.contains(".so."), "{soname}");
            assert!(!bookworm.is_empty() && !trixie.is_empty());
        }
    }
}
