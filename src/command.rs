//! Running the tools the build needs (python, pip) with an explicit environment, and reading
//! flags from it.

use libcnb::Env;
use std::fmt;
use std::process::{Command, ExitStatus, Output};

/// A subprocess that could not run or exited non-zero. `command` is the command line as shown
/// to users; `stderr` holds captured error output when the command ran with captured output.
#[derive(Debug)]
pub(crate) struct CommandError {
    pub(crate) command: String,
    pub(crate) kind: CommandErrorKind,
}

#[derive(Debug)]
pub(crate) enum CommandErrorKind {
    /// The program could not be started (missing, not executable, …).
    Spawn(std::io::Error),
    /// It ran and failed; `output` is present when the output was captured.
    Failed(ExitStatus, Option<Output>),
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            CommandErrorKind::Spawn(error) => {
                write!(f, "'{}' could not be started: {error}", self.command)
            }
            CommandErrorKind::Failed(status, _) => {
                write!(f, "'{}' failed ({status})", self.command)
            }
        }
    }
}

/// Variables of the platform environment that the build's subprocesses must not inherit: they
/// make Python load another standard library or other modules (`PYTHONHOME`, `PYTHONPATH`),
/// or load a library into every process (`LD_PRELOAD`).
pub(crate) const DROPPED_PLATFORM_VARS: &[&str] = &["PYTHONHOME", "PYTHONPATH", "LD_PRELOAD"];

/// True when an env var is set to `true`/`1`/`yes` (case-insensitive).
pub(crate) fn env_flag(env: &Env, name: &str) -> bool {
    env.get_string_lossy(name).is_some_and(|value| {
        matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes"
        )
    })
}

/// A boolean setting's value that is neither true nor false.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct NotABoolean;

/// Parses a boolean setting (trimmed, case-insensitive): `true`/`1`/`yes` → `Some(true)`,
/// `false`/`0`/`no` → `Some(false)`, empty → `None` (unset).
///
/// # Errors
/// [`NotABoolean`] for anything else.
pub(crate) fn parse_bool_setting(value: &str) -> Result<Option<bool>, NotABoolean> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "1" | "true" | "yes" => Ok(Some(true)),
        "0" | "false" | "no" => Ok(Some(false)),
        _ => Err(NotABoolean),
    }
}

/// `env` without [`DROPPED_PLATFORM_VARS`], and the names of those that were set.
pub(crate) fn without_dropped_vars(env: &Env) -> (Env, Vec<&'static str>) {
    let dropped: Vec<&'static str> = DROPPED_PLATFORM_VARS
        .iter()
        .copied()
        .filter(|name| env.contains_key(name))
        .collect();
    let mut kept = Env::new();
    for (name, value) in env {
        if !DROPPED_PLATFORM_VARS.iter().any(|dropped| name == *dropped) {
            kept.insert(name, value);
        }
    }
    (kept, dropped)
}

/// The build environment from `env` (the buildpack's own, with the platform's variables):
/// [`DROPPED_PLATFORM_VARS`] removed, with a warning naming those that were set.
pub(crate) fn build_env(env: &Env) -> Env {
    let (kept, dropped) = without_dropped_vars(env);
    if !dropped.is_empty() {
        crate::output::warning(
            "Ignoring environment variables",
            format!(
                "{} set for the build would change which Python code or libraries the build's \
                 tools load, so the build doesn't pass {} on. Remove {} from the build \
                 environment; to add import paths at runtime, set them in your app.",
                dropped.join(", "),
                if dropped.len() == 1 { "it" } else { "them" },
                if dropped.len() == 1 { "it" } else { "them" },
            ),
        );
    }
    kept
}

/// Builds a command with a cleared environment set to `env`.
pub(crate) fn command(program: impl AsRef<std::ffi::OsStr>, env: &Env) -> Command {
    let mut command = Command::new(program);
    command.env_clear().envs(env);
    command
}

/// Runs `command` with its output streamed to the build log.
///
/// # Errors
/// [`CommandError`] when it can't start or exits non-zero.
pub(crate) fn run_streamed(command: &mut Command, shown_as: &str) -> Result<(), CommandError> {
    let status = command.status().map_err(|error| CommandError {
        command: shown_as.to_string(),
        kind: CommandErrorKind::Spawn(error),
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(CommandError {
            command: shown_as.to_string(),
            kind: CommandErrorKind::Failed(status, None),
        })
    }
}

/// Runs `command` with its output captured; returns it on success.
///
/// # Errors
/// [`CommandError`] when it can't start or exits non-zero (with the captured output).
pub(crate) fn run_captured(command: &mut Command, shown_as: &str) -> Result<Output, CommandError> {
    let output = command.output().map_err(|error| CommandError {
        command: shown_as.to_string(),
        kind: CommandErrorKind::Spawn(error),
    })?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(CommandError {
            command: shown_as.to_string(),
            kind: CommandErrorKind::Failed(output.status, Some(output)),
        })
    }
}

/// What went wrong running a command, for error bodies: it couldn't be started, or it failed
/// (with its exit status and, when captured, its output).
pub(crate) fn command_details(error: &CommandError) -> String {
    match &error.kind {
        CommandErrorKind::Spawn(io_error) => {
            format!("'{}' could not be started: {io_error}", error.command)
        }
        CommandErrorKind::Failed(status, output) => {
            let captured = output
                .as_ref()
                .map(|output| {
                    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
                    text.push_str(&String::from_utf8_lossy(&output.stderr));
                    format!("\nIts output:\n{}", text.trim_end())
                })
                .unwrap_or_default();
            format!("'{}' failed ({status}).{captured}", error.command)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_python_and_preload_variables() {
        let mut env = Env::new();
        env.insert("PYTHONPATH", "/evil")
            .insert("LD_PRELOAD", "/evil.so")
            .insert("PATH", "/usr/bin")
            .insert("PYTHONUNBUFFERED", "1");
        let (kept, dropped) = without_dropped_vars(&env);
        assert_eq!(dropped, ["PYTHONPATH", "LD_PRELOAD"]);
        assert!(!kept.contains_key("PYTHONPATH"));
        assert!(!kept.contains_key("LD_PRELOAD"));
        assert_eq!(kept.get_string_lossy("PATH").as_deref(), Some("/usr/bin"));
        assert!(kept.contains_key("PYTHONUNBUFFERED"));
        let output = command("env", &kept).output().unwrap();
        let printed = String::from_utf8_lossy(&output.stdout);
        assert!(!printed.contains("PYTHONPATH"), "{printed}");
    }
}
