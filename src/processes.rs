//! Launch processes: `Procfile` entries, or a default `web` process for Django on gunicorn.
//!
//! Procfile format: one `<type>: <command>` per line; blank lines and `#` comments ignored.
//! Commands run through `bash -c` so `$PORT` and other shell syntax work. The `web` process
//! (if any) is the default.

use libcnb::data::launch::{Process, ProcessBuilder, ProcessType};
use std::path::Path;

/// Errors in the Procfile.
#[derive(Debug)]
pub(crate) enum ProcfileError {
    Read(std::io::Error),
    /// `(line number, line)` of a line that isn't `<type>: <command>` with a valid type name.
    InvalidLine(usize, String),
    /// `(process type, first line number, repeated line number)`.
    Duplicate(String, usize, usize),
}

/// Where the processes came from, for the log.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ProcessSource {
    Procfile,
    /// Django + gunicorn; holds the WSGI module (`<project>.wsgi`).
    DjangoDefault(String),
    /// Nothing found; the log explains how to add a process.
    None,
}

/// Parses a Procfile into `(type, command)` pairs, in file order. A leading UTF-8 BOM is
/// ignored.
///
/// # Errors
/// [`ProcfileError::InvalidLine`] for a malformed line, [`ProcfileError::Duplicate`] for a
/// process type defined twice.
pub(crate) fn parse_procfile(contents: &str) -> Result<Vec<(String, String)>, ProcfileError> {
    let contents = contents.strip_prefix('\u{feff}').unwrap_or(contents);
    let mut entries = Vec::new();
    let mut first_lines: Vec<usize> = Vec::new();
    for (index, line) in contents.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let invalid = || ProcfileError::InvalidLine(index + 1, line.to_string());
        let (name, command) = trimmed.split_once(':').ok_or_else(invalid)?;
        let (name, command) = (name.trim(), command.trim());
        if command.is_empty() || name.parse::<ProcessType>().is_err() {
            return Err(invalid());
        }
        if let Some(position) = entries.iter().position(|(seen, _)| seen == name) {
            return Err(ProcfileError::Duplicate(
                name.to_string(),
                first_lines[position],
                index + 1,
            ));
        }
        entries.push((name.to_string(), command.to_string()));
        first_lines.push(index + 1);
    }
    Ok(entries)
}

/// Turns `(type, command)` pairs into launch processes; `web` is the default.
pub(crate) fn to_processes(entries: &[(String, String)]) -> Vec<Process> {
    entries
        .iter()
        .filter_map(|(name, command)| {
            let process_type = name.parse::<ProcessType>().ok()?;
            Some(
                ProcessBuilder::new(process_type, ["bash", "-c", command.as_str()])
                    .default(name == "web")
                    .build(),
            )
        })
        .collect()
}

/// Finds the processes for the app: the Procfile when present, else the Django default when
/// `manage.py` names a settings module whose package has `wsgi.py` and gunicorn is installed
/// in the venv (`venv_bin/gunicorn`).
///
/// # Errors
/// [`ProcfileError`] for an unreadable or invalid Procfile.
pub(crate) fn find_processes(
    app_dir: &Path,
    venv_bin: &Path,
) -> Result<(ProcessSource, Vec<(String, String)>), ProcfileError> {
    match std::fs::read_to_string(app_dir.join("Procfile")) {
        Ok(contents) => return Ok((ProcessSource::Procfile, parse_procfile(&contents)?)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(ProcfileError::Read(error)),
    }
    let project = std::fs::read_to_string(app_dir.join("manage.py"))
        .ok()
        .and_then(|manage_py| django_project_package(&manage_py));
    if let Some(project) = project
        && app_dir.join(&project).join("wsgi.py").is_file()
        && venv_bin.join("gunicorn").is_file()
    {
        let module = format!("{project}.wsgi");
        let command = format!("exec gunicorn {module} --bind \"0.0.0.0:${{PORT:-8000}}\"");
        return Ok((
            ProcessSource::DjangoDefault(module),
            vec![("web".to_string(), command)],
        ));
    }
    Ok((ProcessSource::None, Vec::new()))
}

/// The top-level package of the settings module set in manage.py
/// (`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")` → `mysite`).
pub(crate) fn django_project_package(manage_py: &str) -> Option<String> {
    const KEY: &str = "DJANGO_SETTINGS_MODULE";
    let after_key = &manage_py[manage_py.find(KEY)? + KEY.len()..];
    // Skip the key's closing quote, then read the next quoted string.
    let after_key = after_key.strip_prefix(['"', '\''])?;
    let start = after_key.find(['"', '\''])?;
    let quote = char::from(after_key.as_bytes()[start]);
    let value = &after_key[start + 1..];
    let module = &value[..value.find(quote)?];
    let package = module.split('.').next()?;
    let valid = !package.is_empty()
        && package
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !package.starts_with(|c: char| c.is_ascii_digit());
    valid.then(|| package.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_procfile() {
        let entries = parse_procfile("# processes\nweb: gunicorn app:app --bind 0.0.0.0:$PORT\n\nworker:  python worker.py\n").unwrap();
        assert_eq!(
            entries,
            [
                (
                    "web".to_string(),
                    "gunicorn app:app --bind 0.0.0.0:$PORT".to_string()
                ),
                ("worker".to_string(), "python worker.py".to_string())
            ]
        );
        let processes = to_processes(&entries);
        assert_eq!(processes.len(), 2);
        assert!(processes[0].default);
        assert!(!processes[1].default);
        assert_eq!(
            processes[0].command,
            ["bash", "-c", "gunicorn app:app --bind 0.0.0.0:$PORT"]
        );
        assert!(matches!(
            parse_procfile("web gunicorn"),
            Err(ProcfileError::InvalidLine(1, _))
        ));
        assert!(matches!(
            parse_procfile("ok: a\nbad name: x"),
            Err(ProcfileError::InvalidLine(2, _))
        ));
        assert!(matches!(
            parse_procfile("web:"),
            Err(ProcfileError::InvalidLine(1, _))
        ));
    }

    #[test]
    fn procfile_duplicates_are_errors_and_a_bom_is_ignored() {
        assert!(matches!(
            parse_procfile("web: a\nworker: b\n\nweb: c\n"),
            Err(ProcfileError::Duplicate(ref name, 1, 4)) if name == "web"
        ));
        assert_eq!(
            parse_procfile("\u{feff}web: gunicorn app:app\n").unwrap(),
            [("web".to_string(), "gunicorn app:app".to_string())]
        );
    }

    #[test]
    fn finds_django_project_package() {
        let manage_py = "import os\n\ndef main():\n    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings\")\n";
        assert_eq!(django_project_package(manage_py).as_deref(), Some("mysite"));
        let single =
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.production')";
        assert_eq!(django_project_package(single).as_deref(), Some("config"));
        assert_eq!(django_project_package("print('hi')"), None);
    }
}
