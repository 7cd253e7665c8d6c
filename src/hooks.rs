//! Build hooks from the classic Heroku Python buildpack: `bin/pre_compile` runs before the
//! dependencies are installed, `bin/post_compile` after collectstatic. Both run from the app
//! directory with the build env (the user's env vars, and python, node, npm and
//! `node_modules/.bin` on PATH when installed), output streamed to the build log.
//!
//! They are the migration path for apps that used these hooks; new apps can use `package.json`
//! scripts or an inline buildpack instead.

use crate::command::{self, CommandError};
use crate::output;
use libcnb::Env;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The hooks, by their file name under `bin/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hook {
    PreCompile,
    PostCompile,
}

impl Hook {
    /// `bin/pre_compile` or `bin/post_compile`.
    pub(crate) fn path(self) -> &'static str {
        match self {
            Self::PreCompile => "bin/pre_compile",
            Self::PostCompile => "bin/post_compile",
        }
    }
}

/// A hook that couldn't run or failed.
#[derive(Debug)]
pub(crate) enum HookError {
    /// Making it executable failed.
    Chmod(Hook, PathBuf, std::io::Error),
    Failed(Hook, CommandError),
}

/// Runs `hook` if the app has it; returns whether it ran.
///
/// # Errors
/// [`HookError`] naming the hook when it can't be made executable, can't start, or exits
/// non-zero.
pub(crate) fn run_hook(hook: Hook, app_dir: &Path, env: &Env) -> Result<bool, HookError> {
    let path = app_dir.join(hook.path());
    let Ok(metadata) = std::fs::metadata(&path) else {
        return Ok(false);
    };
    if !metadata.is_file() {
        return Ok(false);
    }
    output::header(format!("Running the {} hook", hook.path()));
    let mode = metadata.permissions().mode();
    if mode & 0o100 == 0 {
        // Hooks are often committed without the executable bit; the classic buildpack set it.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode | 0o111))
            .map_err(|error| HookError::Chmod(hook, path.clone(), error))?;
    }
    let started = Instant::now();
    command::run_streamed(
        command::command(&path, env).current_dir(app_dir),
        hook.path(),
    )
    .map_err(|error| HookError::Failed(hook, error))?;
    output::done(&format!("{} done", hook.path()), started);
    Ok(true)
}

/// Whether the app's `hook` runs Django's collectstatic (a line that isn't a comment mentions
/// `collectstatic`), as hooks from a popular project template do.
pub(crate) fn runs_collectstatic(hook: Hook, app_dir: &Path) -> bool {
    std::fs::read(app_dir.join(hook.path())).is_ok_and(|bytes| {
        String::from_utf8_lossy(&bytes).lines().any(|line| {
            let line = line.trim_start();
            !line.starts_with('#') && line.contains("collectstatic")
        })
    })
}

/// The warning for a hook that runs collectstatic after the buildpack collected.
pub(crate) fn collectstatic_hook_warning(hook: Hook) -> (String, String) {
    (
        format!("{} runs collectstatic again", hook.path()),
        format!(
            "The buildpack already collected the static files (into the staticfiles layer, \
             skipping the work when nothing changed). Running collectstatic again in {hook} \
             copies every file a second time, replaces the deduplicated links with copies and \
             makes the next build collect from scratch. Remove the collectstatic line from \
             {hook} (keep the rest, e.g. compilemessages).",
            hook = hook.path()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_hook_that_runs_collectstatic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("bin")).unwrap();
        assert!(!runs_collectstatic(Hook::PostCompile, dir.path()));
        std::fs::write(
            dir.path().join("bin/post_compile"),
            "#!/usr/bin/env bash\n# no collectstatic here\npython manage.py compilemessages\n",
        )
        .unwrap();
        assert!(!runs_collectstatic(Hook::PostCompile, dir.path()));
        std::fs::write(
            dir.path().join("bin/post_compile"),
            "#!/usr/bin/env bash\nset -e\n  python manage.py collectstatic --noinput\n",
        )
        .unwrap();
        assert!(runs_collectstatic(Hook::PostCompile, dir.path()));
        let (title, body) = collectstatic_hook_warning(Hook::PostCompile);
        assert_eq!(title, "bin/post_compile runs collectstatic again");
        assert!(body.ends_with("Remove the collectstatic line from bin/post_compile (keep the rest, e.g. compilemessages)."));
    }

    #[test]
    fn runs_hooks_and_names_the_failing_one() {
        let dir = std::env::temp_dir().join(format!("assetpack-hooks-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        let mut env = Env::new();
        env.insert("PATH", "/usr/bin:/bin");
        env.insert("GREETING", "hello");
        assert!(!run_hook(Hook::PreCompile, &dir, &env).unwrap());

        // Not executable in the source: it is made executable and run with the env.
        std::fs::write(
            dir.join("bin/pre_compile"),
            "#!/bin/sh\necho \"$GREETING\" > greeting.txt\n",
        )
        .unwrap();
        assert!(run_hook(Hook::PreCompile, &dir, &env).unwrap());
        assert_eq!(
            std::fs::read_to_string(dir.join("greeting.txt")).unwrap(),
            "hello\n"
        );

        std::fs::write(dir.join("bin/post_compile"), "#!/bin/sh\nexit 3\n").unwrap();
        let error = run_hook(Hook::PostCompile, &dir, &env).unwrap_err();
        assert!(
            matches!(error, HookError::Failed(Hook::PostCompile, ref e) if e.command == "bin/post_compile"),
            "{error:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
