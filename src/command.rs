//! Running the tools the build needs (python, pip) with an explicit environment.

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
