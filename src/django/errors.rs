//! The Django step's errors, as data and for people: `(title, body)`, each saying what happened, why, and
//! the fix.

use super::settings::{DISABLE_ENV_VAR, LINK_ENV_VAR, MANAGE_PY_ENV_VAR};
use crate::command::CommandError;
use crate::command::command_details;
use crate::output::BUG_REPORT;
use indoc::formatdoc;
use std::path::{Path, PathBuf};

/// Errors while inspecting Django or collecting static files.
#[derive(Debug)]
pub(crate) enum DjangoError {
    WriteHelper(std::io::Error),
    /// The probe failed: usually the settings raised (captured traceback inside).
    Inspect(CommandError),
    ReadProbe(PathBuf, String),
    StaticRootUnset,
    StaticRootOutsideApp {
        static_root: PathBuf,
        app_dir: PathBuf,
    },
    /// STATIC_ROOT already holds files before collectstatic (it would have to be replaced).
    /// `entries` are a few of them, relative to the app; `total` counts every file;
    /// `static_dirs_inside` are input directories that lie inside it.
    StaticRootNotEmpty {
        static_root: PathBuf,
        entries: Vec<PathBuf>,
        total: usize,
        static_dirs_inside: Vec<PathBuf>,
    },
    /// `BP_DJANGO_MANAGE_PY` names no file inside the app.
    ManagePyNotFound(String),
    /// `BP_COLLECTSTATIC_LINK` holds something other than true/false.
    InvalidLinkSetting(String),
    Collectstatic(CommandError),
    /// Preparing or tidying the staticfiles layer failed.
    Layer(String, std::io::Error),
}

/// Renders a [`DjangoError`] as `(title, body)`.
pub(crate) fn render(error: &DjangoError) -> (String, String) {
    match error {
        DjangoError::WriteHelper(error) => (
            "Unable to prepare the static files step".into(),
            format!(
                "Writing the Django helper script to a temporary directory failed: {error}\n\n{BUG_REPORT}"
            ),
        ),
        DjangoError::Inspect(error) => (
            "Unable to inspect the Django configuration".into(),
            formatdoc! {"
                {details}

                Loading the app's Django settings through manage.py failed, so the
                static files configuration can't be read. The traceback above says where.
                Settings often read environment variables at import (SECRET_KEY,
                DATABASE_URL): set them for the build (e.g. 'pack build --env NAME=value')
                or give them defaults.
                To skip static files entirely, set {DISABLE_ENV_VAR}=true.",
                details = command_details(error)
            },
        ),
        DjangoError::ReadProbe(path, error) => (
            "Unable to inspect the Django configuration".into(),
            format!(
                "Reading the inspection result {} failed: {error}\n\n{BUG_REPORT}",
                path.display()
            ),
        ),
        DjangoError::StaticRootUnset => (
            "STATIC_ROOT isn't set".into(),
            formatdoc! {"
                'django.contrib.staticfiles' is in INSTALLED_APPS, but STATIC_ROOT isn't set,
                so collectstatic has nowhere to put the files. Add it to your settings, e.g.:
                  STATIC_ROOT = BASE_DIR / \"staticfiles\"
                Or, if the app doesn't serve static files, remove 'django.contrib.staticfiles'
                from INSTALLED_APPS or set {DISABLE_ENV_VAR}=true."
            },
        ),
        DjangoError::StaticRootOutsideApp {
            static_root,
            app_dir,
        } => (
            "STATIC_ROOT is outside the app directory".into(),
            formatdoc! {"
                STATIC_ROOT is {static_root}, outside the app directory {app_dir}, so the
                collected files wouldn't be part of the image. Put it inside the app, e.g.:
                  STATIC_ROOT = BASE_DIR / \"staticfiles\"",
                static_root = static_root.display(),
                app_dir = app_dir.display()
            },
        ),
        DjangoError::StaticRootNotEmpty {
            static_root,
            entries,
            total,
            static_dirs_inside,
        } => render_static_root_not_empty(static_root, entries, *total, static_dirs_inside),
        DjangoError::ManagePyNotFound(value) => (
            format!("{MANAGE_PY_ENV_VAR} doesn't name a manage.py in the app"),
            formatdoc! {"
                {MANAGE_PY_ENV_VAR} is set to '{value}', but there is no such file inside the
                app directory. Set it to manage.py's path relative to the app's root
                directory, e.g. {MANAGE_PY_ENV_VAR}=src/manage.py, or unset it when manage.py
                is in the app's root directory."
            },
        ),
        DjangoError::InvalidLinkSetting(value) => (
            format!("Invalid {LINK_ENV_VAR} value"),
            formatdoc! {"
                {LINK_ENV_VAR} is set to '{value}', which isn't true or false.
                Set {LINK_ENV_VAR}=false to collect copies of the static files (e.g. for
                uWSGI's static-map), or unset it to collect links (the default)."
            },
        ),
        DjangoError::Collectstatic(error) => (
            "Unable to generate Django static files".into(),
            formatdoc! {"
                {details}
                collectstatic's output above says why. Common causes: a CSS file that
                references a missing file (ManifestStaticFilesStorage checks every url()),
                or settings that need environment variables at build time. To skip this
                step, set {DISABLE_ENV_VAR}=true.",
                details = command_details(error)
            },
        ),
        DjangoError::Layer(what, error) => (
            "Unable to prepare the staticfiles layer".into(),
            format!("Failed while {what}: {error}\n\n{BUG_REPORT}"),
        ),
    }
}

/// [`DjangoError::StaticRootNotEmpty`]: the files found, and the fix for where they came from.
fn render_static_root_not_empty(
    static_root: &Path,
    entries: &[PathBuf],
    total: usize,
    static_dirs_inside: &[PathBuf],
) -> (String, String) {
    let listed = entries
        .iter()
        .map(|entry| format!("  {}", entry.display()))
        .collect::<Vec<_>>()
        .join("\n");
    let more = if total > entries.len() {
        format!("\n  … and {} more", total - entries.len())
    } else {
        String::new()
    };
    let fix = if static_dirs_inside.is_empty() {
        formatdoc! {"
        The buildpack collects static files into a layer of their own and makes
        STATIC_ROOT a link to it, so these files would be lost. They usually come
        from a package.json build script or a hook writing into STATIC_ROOT, or
        from collectstatic output committed to the repository. To fix it:
          - have the build write into a directory listed in STATICFILES_DIRS
            (e.g. assets/dist), not into STATIC_ROOT: collectstatic then copies
            the files into STATIC_ROOT;
          - or, for committed collectstatic output, delete {root} from the
            repository (add it to .gitignore)."
        ,
            root = static_root.display()
        }
    } else {
        formatdoc! {"
        STATICFILES_DIRS lists {dirs}, inside STATIC_ROOT. collectstatic's output
        goes to a layer of its own and STATIC_ROOT becomes a link to it, so these
        source files would be lost. Move them out of STATIC_ROOT (e.g. to assets/)
        and update STATICFILES_DIRS, or choose another STATIC_ROOT.",
            dirs = static_dirs_inside
                .iter()
                .map(|dir| dir.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    (
        "STATIC_ROOT already holds files".into(),
        format!(
            "STATIC_ROOT ({}) holds {total} files before collectstatic runs:\n{listed}{more}\n\n{fix}",
            static_root.display()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_root_not_empty_names_the_files_and_the_fix() {
        let (title, body) = render(&DjangoError::StaticRootNotEmpty {
            static_root: PathBuf::from("staticfiles"),
            entries: vec![PathBuf::from("staticfiles/app.js")],
            total: 3,
            static_dirs_inside: vec![],
        });
        assert_eq!(title, "STATIC_ROOT already holds files");
        assert_eq!(
            body,
            "STATIC_ROOT (staticfiles) holds 3 files before collectstatic runs:\n  \
             staticfiles/app.js\n  … and 2 more\n\n\
             The buildpack collects static files into a layer of their own and makes\n\
             STATIC_ROOT a link to it, so these files would be lost. They usually come\n\
             from a package.json build script or a hook writing into STATIC_ROOT, or\n\
             from collectstatic output committed to the repository. To fix it:\n  \
             - have the build write into a directory listed in STATICFILES_DIRS\n    \
             (e.g. assets/dist), not into STATIC_ROOT: collectstatic then copies\n    \
             the files into STATIC_ROOT;\n  \
             - or, for committed collectstatic output, delete staticfiles from the\n    \
             repository (add it to .gitignore)."
        );
        let (_, body) = render(&DjangoError::StaticRootNotEmpty {
            static_root: PathBuf::from("staticfiles"),
            entries: vec![PathBuf::from("staticfiles/src/a.css")],
            total: 1,
            static_dirs_inside: vec![PathBuf::from("staticfiles/src")],
        });
        assert!(
            body.ends_with(
                "STATICFILES_DIRS lists staticfiles/src, inside STATIC_ROOT. collectstatic's output\n\
                 goes to a layer of its own and STATIC_ROOT becomes a link to it, so these\n\
                 source files would be lost. Move them out of STATIC_ROOT (e.g. to assets/)\n\
                 and update STATICFILES_DIRS, or choose another STATIC_ROOT."
            ),
            "{body}"
        );
    }

    #[test]
    fn settings_errors_name_the_variable() {
        let (title, body) = render(&DjangoError::ManagePyNotFound("src/missing.py".into()));
        assert_eq!(
            title,
            "BP_DJANGO_MANAGE_PY doesn't name a manage.py in the app"
        );
        assert!(body.starts_with("BP_DJANGO_MANAGE_PY is set to 'src/missing.py'"));
        let (title, _) = render(&DjangoError::InvalidLinkSetting("copy".into()));
        assert_eq!(title, "Invalid BP_COLLECTSTATIC_LINK value");
    }
}
