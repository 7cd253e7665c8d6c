//! Whether collectstatic runs: the settings that disable it, Django in the venv, and where
//! manage.py is (the app root, or `BP_DJANGO_MANAGE_PY`). Each skip has a log line.

use super::errors::DjangoError;
use super::settings::{CLASSIC_DISABLE_ENV_VAR, DISABLE_ENV_VAR, LINK_ENV_VAR, MANAGE_PY_ENV_VAR};
use crate::command::env_flag;
use libcnb::Env;
use std::path::{Path, PathBuf};

/// Why collectstatic doesn't run.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SkipReason {
    Disabled,
    DisabledClassic,
    DjangoNotInstalled,
    /// No manage.py in the app root; `found` lists any one or two levels down (relative).
    NoManagePy {
        found: Vec<PathBuf>,
    },
    StaticfilesNotInstalled,
}

/// `BP_COLLECTSTATIC_LINK`: unset or `true` → link (the default), `false` → copy.
///
/// # Errors
/// [`DjangoError::InvalidLinkSetting`] for any other value.
pub(crate) fn link_mode(env: &Env) -> Result<bool, DjangoError> {
    match env.get_string_lossy(LINK_ENV_VAR) {
        None => Ok(true),
        Some(value) => match crate::command::parse_bool_setting(&value) {
            Ok(link) => Ok(link.unwrap_or(true)),
            Err(_) => Err(DjangoError::InvalidLinkSetting(value)),
        },
    }
}

/// The first gate that stops collectstatic before manage.py is looked for, if any.
pub(crate) fn skip_before_probe(env: &Env, venv: &Path) -> Option<SkipReason> {
    if env_flag(env, DISABLE_ENV_VAR) {
        Some(SkipReason::Disabled)
    } else if env_flag(env, CLASSIC_DISABLE_ENV_VAR) {
        Some(SkipReason::DisabledClassic)
    } else if !venv.join("bin").join("django-admin").exists() {
        Some(SkipReason::DjangoNotInstalled)
    } else {
        None
    }
}

/// Where manage.py is: `BP_DJANGO_MANAGE_PY` (relative to the app), else `manage.py` in the app
/// root. `Ok(Err(reason))` when there is none (naming any found one or two levels down).
///
/// # Errors
/// [`DjangoError::ManagePyNotFound`] when `BP_DJANGO_MANAGE_PY` names no file inside the app.
pub(crate) fn locate_manage_py(
    env: &Env,
    app_dir: &Path,
) -> Result<Result<PathBuf, SkipReason>, DjangoError> {
    if let Some(value) = env
        .get_string_lossy(MANAGE_PY_ENV_VAR)
        .filter(|value| !value.trim().is_empty())
    {
        let relative = Path::new(value.trim());
        let inside = !relative.is_absolute()
            && relative
                .components()
                .all(|part| matches!(part, std::path::Component::Normal(_)));
        let path = app_dir.join(relative);
        return if inside && path.is_file() {
            Ok(Ok(path))
        } else {
            Err(DjangoError::ManagePyNotFound(value))
        };
    }
    let root = app_dir.join("manage.py");
    if root.exists() {
        return Ok(Ok(root));
    }
    Ok(Err(SkipReason::NoManagePy {
        found: manage_py_below(app_dir),
    }))
}

/// `manage.py` files one or two directory levels below `app_dir` (relative paths, sorted),
/// skipping hidden directories, `node_modules` and virtual environments.
fn manage_py_below(app_dir: &Path) -> Vec<PathBuf> {
    fn subdirs(dir: &Path) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
            .map(|entry| entry.path())
            .filter(|path| {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                !name.starts_with('.')
                    && name != "node_modules"
                    && name != "__pycache__"
                    && !path.join("pyvenv.cfg").exists()
            })
            .collect();
        dirs.sort();
        dirs
    }
    let mut found = Vec::new();
    for first in subdirs(app_dir) {
        if first.join("manage.py").is_file() {
            found.push(first.join("manage.py"));
        }
        for second in subdirs(&first) {
            if second.join("manage.py").is_file() {
                found.push(second.join("manage.py"));
            }
        }
    }
    found
        .into_iter()
        .filter_map(|path| path.strip_prefix(app_dir).ok().map(Path::to_path_buf))
        .collect()
}

pub(crate) fn skip_message(reason: &SkipReason) -> String {
    match reason {
        SkipReason::Disabled => format!("Skipping collectstatic: {DISABLE_ENV_VAR} is set."),
        SkipReason::DisabledClassic => format!(
            "Skipping collectstatic: {CLASSIC_DISABLE_ENV_VAR} is set.\n\
             Note: {CLASSIC_DISABLE_ENV_VAR} is the classic name; use {DISABLE_ENV_VAR}=true instead."
        ),
        SkipReason::DjangoNotInstalled => {
            "Skipping collectstatic: Django isn't installed.".to_string()
        }
        SkipReason::NoManagePy { found } if found.is_empty() => {
            "Skipping collectstatic: there is no manage.py (or symlink to one) \
             in the app's root directory."
                .to_string()
        }
        SkipReason::NoManagePy { found } => format!(
            "Skipping collectstatic: there is no manage.py in the app's root directory, but \
             there is {}.\nTo collect static files with it, set {MANAGE_PY_ENV_VAR}={} \
             (e.g. in project.toml's [[io.buildpacks.build.env]]).",
            found
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            found[0].display()
        ),
        SkipReason::StaticfilesNotInstalled => {
            "Skipping collectstatic: 'django.contrib.staticfiles' \
             isn't in INSTALLED_APPS."
                .to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let venv = dir.path().join("venv");
        std::fs::create_dir_all(venv.join("bin")).unwrap();
        let mut env = Env::new();
        assert_eq!(
            skip_before_probe(&env, &venv),
            Some(SkipReason::DjangoNotInstalled)
        );
        std::fs::write(venv.join("bin/django-admin"), "").unwrap();
        assert_eq!(skip_before_probe(&env, &venv), None);
        env.insert(CLASSIC_DISABLE_ENV_VAR, "1");
        assert_eq!(
            skip_before_probe(&env, &venv),
            Some(SkipReason::DisabledClassic)
        );
        env.insert(DISABLE_ENV_VAR, "true");
        assert_eq!(skip_before_probe(&env, &venv), Some(SkipReason::Disabled));
    }

    #[test]
    fn finds_manage_py_in_the_root_by_setting_or_names_those_below() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path();
        let mut env = Env::new();
        std::fs::create_dir_all(app.join("src/project")).unwrap();
        std::fs::create_dir_all(app.join("node_modules/pkg")).unwrap();
        std::fs::create_dir_all(app.join(".venv")).unwrap();
        std::fs::write(app.join("src/manage.py"), "").unwrap();
        std::fs::write(app.join("src/project/manage.py"), "").unwrap();
        std::fs::write(app.join("node_modules/pkg/manage.py"), "").unwrap();
        std::fs::write(app.join(".venv/manage.py"), "").unwrap();
        let reason = locate_manage_py(&env, app).unwrap().unwrap_err();
        assert_eq!(
            reason,
            SkipReason::NoManagePy {
                found: vec!["src/manage.py".into(), "src/project/manage.py".into()]
            }
        );
        assert_eq!(
            skip_message(&reason),
            "Skipping collectstatic: there is no manage.py in the app's root directory, but there \
             is src/manage.py, src/project/manage.py.\nTo collect static files with it, set \
             BP_DJANGO_MANAGE_PY=src/manage.py (e.g. in project.toml's [[io.buildpacks.build.env]])."
        );

        env.insert(MANAGE_PY_ENV_VAR, "src/manage.py");
        assert_eq!(
            locate_manage_py(&env, app).unwrap().unwrap(),
            app.join("src/manage.py")
        );
        for bad in ["src/missing.py", "../manage.py", "/etc/passwd", "src"] {
            env.insert(MANAGE_PY_ENV_VAR, bad);
            assert!(
                matches!(locate_manage_py(&env, app), Err(DjangoError::ManagePyNotFound(ref value)) if value == bad),
                "{bad}"
            );
        }
        let env = Env::new();
        std::fs::write(app.join("manage.py"), "").unwrap();
        assert_eq!(
            locate_manage_py(&env, app).unwrap().unwrap(),
            app.join("manage.py")
        );
    }

    #[test]
    fn link_setting() {
        let mut env = Env::new();
        assert!(link_mode(&env).unwrap());
        env.insert(LINK_ENV_VAR, "false");
        assert!(!link_mode(&env).unwrap());
        env.insert(LINK_ENV_VAR, "True");
        assert!(link_mode(&env).unwrap());
        env.insert(LINK_ENV_VAR, "copy");
        assert!(matches!(
            link_mode(&env),
            Err(DjangoError::InvalidLinkSetting(ref value)) if value == "copy"
        ));
    }
}
