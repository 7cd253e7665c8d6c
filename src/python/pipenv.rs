//! Pipenv apps (`Pipfile` + `Pipfile.lock`, <https://pipenv.pypa.io/>): the Python version from
//! the Pipfile's `[requires]`, the install command, and the error texts for Pipenv apps.
//!
//! Pipenv installs into the buildpack's `venv` layer: `pipenv install --deploy` with
//! `VIRTUAL_ENV` pointing at it (Pipenv then uses that environment instead of making its own;
//! `PIPENV_IGNORE_VIRTUALENVS` and `PIPENV_ACTIVE` are removed so nothing overrides that, and
//! `PIPENV_VENV_IN_PROJECT=0`, so a committed `.venv` is never picked). `--deploy` installs
//! exactly Pipfile.lock and aborts when the lock is out of date with the Pipfile or the
//! Python version is wrong; it never writes the lock.

use crate::command::{self, CommandError, CommandErrorKind};
use crate::output;
use crate::python::REINSTALL_ENV_VAR;
use crate::python::install_groups::INSTALL_GROUPS_ENV_VAR;
pub(crate) use crate::python::pipfile::{PIPFILE, PIPFILE_LOCK, PipfileError};
use indoc::formatdoc;
use std::path::Path;
use std::process::Command;

/// Build-scope variables of the `pipenv` tool layer: no prompts, spinners or courtesy notices,
/// and never a `.venv` in the app directory.
pub(crate) const PIPENV_ENV: &[(&str, &str)] = &[
    ("PIPENV_VERBOSITY", "-1"),
    ("PIPENV_NOSPIN", "1"),
    ("PIPENV_YES", "1"),
    ("PIPENV_VENV_IN_PROJECT", "0"),
];

/// Pipenv's arguments for the extra `groups` (`BP_INSTALL_GROUPS`): none; `--dev` for just
/// `dev`; otherwise `--categories packages,…` with `dev` meaning `dev-packages` and other
/// names taken as Pipfile categories.
pub(crate) fn group_args(groups: &[String]) -> Vec<String> {
    match groups {
        [] => Vec::new(),
        [only] if only == "dev" => vec!["--dev".to_string()],
        _ => {
            let categories: Vec<&str> = std::iter::once("packages")
                .chain(groups.iter().map(|group| match group.as_str() {
                    "dev" => "dev-packages",
                    other => other,
                }))
                .collect();
            vec!["--categories".to_string(), categories.join(",")]
        }
    }
}

/// Runs `pipenv install` (`command`, shown as `shown_as`) with its output captured, then logs
/// that output without Pipenv's Python tracebacks (lines such as `[DeployException]:   File …`,
/// unwrapped thanks to a wide `COLUMNS`): its own message ("Your Pipfile.lock … is out of date")
/// stays, followed by the buildpack's error.
///
/// # Errors
/// [`CommandError`] (without the captured output, which is already in the log) when Pipenv
/// can't start or fails.
pub(crate) fn run_install(command: &mut Command, shown_as: &str) -> Result<(), CommandError> {
    let result = command::run_captured(command.env("COLUMNS", "1000"), shown_as);
    let captured = match &result {
        Ok(captured)
        | Err(CommandError {
            kind: CommandErrorKind::Failed(_, Some(captured)),
            ..
        }) => Some(captured),
        Err(_) => None,
    };
    if let Some(captured) = captured {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&captured.stdout),
            String::from_utf8_lossy(&captured.stderr)
        );
        let shown = without_tracebacks(&text);
        if !shown.is_empty() {
            output::info(shown);
        }
    }
    result.map(|_| ()).map_err(|error| match error.kind {
        CommandErrorKind::Failed(status, _) => CommandError {
            command: error.command,
            kind: CommandErrorKind::Failed(status, None),
        },
        kind @ CommandErrorKind::Spawn(_) => CommandError {
            command: error.command,
            kind,
        },
    })
}

/// `text` without the lines of Pipenv's tracebacks (`[SomethingException]: …`), trimmed.
fn without_tracebacks(text: &str) -> String {
    text.lines()
        .filter(|line| {
            !line.strip_prefix('[').is_some_and(|rest| {
                rest.split_once("]:")
                    .is_some_and(|(name, _)| name.ends_with("Exception") || name.ends_with("Error"))
            })
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// The distributions installed in `venv` (`name version`, from the `*.dist-info` directories
/// of its site-packages), sorted; for the log, since Pipenv's quiet mode lists nothing.
pub(crate) fn installed_distributions(venv: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(lib) = std::fs::read_dir(venv.join("lib")) else {
        return found;
    };
    for python_dir in lib.filter_map(Result::ok) {
        let Ok(entries) = std::fs::read_dir(python_dir.path().join("site-packages")) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some((name, version)) = name
                .strip_suffix(".dist-info")
                .and_then(|stem| stem.rsplit_once('-'))
            {
                found.push(format!("{name} {version}"));
            }
        }
    }
    found.sort_by_key(|entry| entry.to_lowercase());
    found
}

/// `(title, body)` for a Pipfile without Pipfile.lock.
pub(crate) fn render_pipfile_without_lock() -> (String, String) {
    (
        "Pipfile.lock not found".to_string(),
        formatdoc! {"
            The app has a {PIPFILE} but no {PIPFILE_LOCK}. The buildpack installs exactly what
            the lockfile pins, so builds are repeatable, and never locks by itself.
            Run 'pipenv lock' in the app directory, commit {PIPFILE_LOCK}, and build again.
            (If the app doesn't use Pipenv, delete the {PIPFILE} and add the file of your
            package manager, e.g. requirements.txt.)"
        },
    )
}

/// `(title, body)` for a Pipfile.lock without its Pipfile.
pub(crate) fn render_lock_without_pipfile() -> (String, String) {
    (
        "Pipfile not found".to_string(),
        formatdoc! {"
            The app has a {PIPFILE_LOCK} but no {PIPFILE}. Pipenv needs both: it checks that
            the lock is up to date with the {PIPFILE} before installing.
            Commit the {PIPFILE} that {PIPFILE_LOCK} was locked from (check it isn't excluded
            by .gitignore or project.toml), and build again."
        },
    )
}

/// `(title, body)` for a failed `pipenv install --deploy`; `details` describes the command.
pub(crate) fn render_install_error(details: &str) -> (String, String) {
    (
        "Unable to install dependencies with Pipenv".to_string(),
        formatdoc! {"
            {details}
            Pipenv's output above says why.
            If it says Pipfile.lock is out of date, the {PIPFILE} changed since it was locked:
            run 'pipenv lock' in the app directory, commit {PIPFILE_LOCK}, and build again.
            If it says the Python version is wrong, make .python-version agree with
            [requires] in the {PIPFILE}. If it names a category that doesn't exist, fix
            {INSTALL_GROUPS_ENV_VAR}. Otherwise fix what Pipenv reports, then build again (set
            {REINSTALL_ENV_VAR}=true to force a clean reinstall)."
        },
    )
}

/// `(title, body)` for a [`PipfileError`].
pub(crate) fn render_pipfile_error(error: &PipfileError) -> (String, String) {
    match error {
        PipfileError::Read(error) => (
            format!("Unable to read {PIPFILE}"),
            format!(
                "The {PIPFILE} in the app's root directory could not be read: {error}\nMake \
                 sure it is a readable UTF-8 text file."
            ),
        ),
        PipfileError::Parse(error) => (
            format!("Invalid {PIPFILE}"),
            format!(
                "The {PIPFILE} isn't valid TOML: {error}\nFix it (pipenv itself can't read it \
                 either), run 'pipenv lock', commit both files, and build again."
            ),
        ),
        PipfileError::InvalidVersion(key, value) => (
            format!("Invalid Python version in {PIPFILE}"),
            format!(
                "[requires] {key} in the {PIPFILE} is '{value}', but it must be a version such \
                 as 3.13 (python_version) or 3.13.5 (python_full_version).\nFix it, run \
                 'pipenv lock', commit both files, and build again."
            ),
        ),
        PipfileError::Disagree(origin, request, key, pipfile) => (
            format!("{origin} and {PIPFILE} name different Python versions"),
            format!(
                "{origin} asks for Python {request}, but [requires] {key} in the {PIPFILE} is \
                 {pipfile}; Pipenv refuses to install for another Python than the {PIPFILE} \
                 requires.\nMake them agree: change {origin}, or change the {PIPFILE} and run \
                 'pipenv lock', then commit and build again."
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::pipfile::python_request;
    use crate::python::version::{VersionOrigin, VersionRequest};

    #[test]
    fn reads_requires_from_pipenv_apps_only() {
        let dir = std::env::temp_dir().join(format!("assetpack-pipfile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(PIPFILE),
            "[packages]\nflask = '*'\n[requires]\npython_version = \"3.12\"\n",
        )
        .unwrap();
        assert!(python_request(&dir).unwrap().is_none(), "no Pipfile.lock");
        std::fs::write(dir.join(PIPFILE_LOCK), "{}").unwrap();
        let (request, key) = python_request(&dir).unwrap().unwrap();
        assert_eq!(
            (request.to_string().as_str(), key),
            ("3.12", "python_version")
        );
        std::fs::write(
            dir.join(PIPFILE),
            "[requires]\npython_version = \"3.12\"\npython_full_version = \"3.12.4\"\n",
        )
        .unwrap();
        let (request, key) = python_request(&dir).unwrap().unwrap();
        assert_eq!(
            (request.to_string().as_str(), key),
            ("3.12.4", "python_full_version")
        );
        std::fs::write(dir.join(PIPFILE), "[requires]\npython_version = \"3\"\n").unwrap();
        assert!(matches!(
            python_request(&dir),
            Err(PipfileError::InvalidVersion("python_version", value)) if value == "3"
        ));
        std::fs::write(dir.join(PIPFILE), "[packages]\n").unwrap();
        assert!(python_request(&dir).unwrap().is_none());
        std::fs::write(dir.join(PIPFILE), "[packages\n").unwrap();
        assert!(matches!(python_request(&dir), Err(PipfileError::Parse(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lists_installed_distributions() {
        let venv = std::env::temp_dir().join(format!("assetpack-dists-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&venv);
        let site = venv.join("lib/python3.13/site-packages");
        std::fs::create_dir_all(site.join("flask-3.1.3.dist-info")).unwrap();
        std::fs::create_dir_all(site.join("Jinja2-3.1.6.dist-info")).unwrap();
        std::fs::create_dir_all(site.join("flask")).unwrap();
        assert_eq!(
            installed_distributions(&venv),
            ["flask 3.1.3", "Jinja2 3.1.6"]
        );
        std::fs::remove_dir_all(&venv).unwrap();
    }

    #[test]
    fn errors_say_what_happened_and_the_fix() {
        let (title, body) = render_pipfile_without_lock();
        assert_eq!(title, "Pipfile.lock not found");
        assert!(body.contains("Run 'pipenv lock' in the app directory, commit Pipfile.lock"));
        let (title, body) = render_lock_without_pipfile();
        assert_eq!(title, "Pipfile not found");
        assert!(body.contains("Commit the Pipfile"), "{body}");
        let (title, body) = render_install_error("'pipenv install --deploy' failed (exit 1).");
        assert_eq!(title, "Unable to install dependencies with Pipenv");
        assert!(body.starts_with("'pipenv install --deploy' failed (exit 1).\n"));
        assert!(body.contains("run 'pipenv lock' in the app directory, commit Pipfile.lock"));
        let request = |minor, patch| VersionRequest {
            major: 3,
            minor,
            patch,
        };
        let (title, body) = render_pipfile_error(&PipfileError::Disagree(
            VersionOrigin::PythonVersionFile,
            request(11, None),
            "python_full_version",
            request(13, Some(5)),
        ));
        assert_eq!(
            title,
            ".python-version and Pipfile name different Python versions"
        );
        assert!(
            body.starts_with(
                ".python-version asks for Python 3.11, but [requires] python_full_version in \
                 the Pipfile is 3.13.5;"
            ),
            "{body}"
        );
    }

    #[test]
    fn tracebacks_are_dropped() {
        let text = "Your Pipfile.lock (aa) is out of date. Expected: (bb).\n\
                    [DeployException]:   File \"/x/pipenv\", line 8, in <module>\n\
                    [DeployException]:       sys.exit(cli())\n\
                    ERROR:: Aborting deploy\n";
        assert_eq!(
            without_tracebacks(text),
            "Your Pipfile.lock (aa) is out of date. Expected: (bb).\nERROR:: Aborting deploy"
        );
        assert_eq!(without_tracebacks("[packages] ok\n"), "[packages] ok");
    }

    #[test]
    fn groups_become_dev_or_categories() {
        assert!(group_args(&[]).is_empty());
        assert_eq!(group_args(&["dev".into()]), ["--dev"]);
        assert_eq!(
            group_args(&["dev".into(), "docs".into()]),
            ["--categories", "packages,dev-packages,docs"]
        );
        assert_eq!(
            group_args(&["test".into()]),
            ["--categories", "packages,test"]
        );
    }
}
