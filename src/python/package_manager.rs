//! Choosing the package manager from the files in the app's root directory:
//! `requirements.txt` → pip, `uv.lock` → uv, `poetry.lock` → Poetry, `Pipfile.lock` → Pipenv.
//! Exactly one must exist (a Pipfile without its lock is an error of its own).
//! `BP_PIP_INSTALLER=uv` installs a requirements.txt app with uv's pip interface instead of pip.

use std::fmt;
use std::path::Path;

/// A package manager the buildpack can install dependencies with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PackageManager {
    /// `pip install -r requirements.txt` (<https://pip.pypa.io/>).
    Pip,
    /// `uv sync --locked` from `uv.lock` (<https://docs.astral.sh/uv/>).
    Uv,
    /// `poetry sync` from `poetry.lock` (<https://python-poetry.org/docs/>).
    Poetry,
    /// `uv pip install -r requirements.txt`, chosen with `BP_PIP_INSTALLER=uv`
    /// (<https://docs.astral.sh/uv/pip/>).
    UvPip,
    /// `pipenv install --deploy` from `Pipfile.lock` (<https://pipenv.pypa.io/>).
    Pipenv,
}

/// `BP_PIP_INSTALLER`: `pip` (the default) or `uv`, for requirements.txt apps.
pub(crate) const PIP_INSTALLER_ENV_VAR: &str = "BP_PIP_INSTALLER";

/// Every supported package manager, in the order files are looked for.
pub(crate) const ALL: [PackageManager; 4] = [
    PackageManager::Pip,
    PackageManager::Uv,
    PackageManager::Poetry,
    PackageManager::Pipenv,
];

impl PackageManager {
    /// The file in the app root that selects it (and whose content keys the venv).
    pub(crate) fn file(self) -> &'static str {
        match self {
            Self::Pip | Self::UvPip => "requirements.txt",
            Self::Uv => "uv.lock",
            Self::Poetry => "poetry.lock",
            Self::Pipenv => crate::python::pipfile::PIPFILE_LOCK,
        }
    }

    /// Its name as shown to people and stored in layer metadata (`pip`, `uv`, `Poetry`,
    /// `uv pip`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Pip => "pip",
            Self::Uv => "uv",
            Self::Poetry => "Poetry",
            Self::UvPip => "uv pip",
            Self::Pipenv => "Pipenv",
        }
    }

    /// The tool it runs (`pip`, `uv` or `Poetry`), for log headers.
    pub(crate) fn tool(self) -> &'static str {
        match self {
            Self::Uv | Self::UvPip => "uv",
            other => other.name(),
        }
    }
}

impl fmt::Display for PackageManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why no single package manager could be chosen.
#[derive(Debug)]
pub(crate) enum PackageManagerError {
    /// None of the files exists.
    NoneFound,
    /// More than one exists; all of them, in [`ALL`] order.
    Multiple(Vec<PackageManager>),
    /// Checking for a file failed.
    Io(&'static str, std::io::Error),
    /// `BP_PIP_INSTALLER` is neither `pip` nor `uv`.
    InvalidPipInstaller(String),
    /// A Pipfile without Pipfile.lock (and no other package manager's file).
    PipfileWithoutLock,
    /// Pipfile.lock without the Pipfile it was locked from.
    LockWithoutPipfile,
}

/// Picks the package manager from the files in `app_dir`.
///
/// # Errors
/// [`PackageManagerError`] when none or several of the files exist, or a check fails.
pub(crate) fn determine(app_dir: &Path) -> Result<PackageManager, PackageManagerError> {
    let mut found = Vec::new();
    for manager in ALL {
        if app_dir
            .join(manager.file())
            .try_exists()
            .map_err(|error| PackageManagerError::Io(manager.file(), error))?
        {
            found.push(manager);
        }
    }
    let exists = |name: &'static str| {
        app_dir
            .join(name)
            .try_exists()
            .map_err(|error| PackageManagerError::Io(name, error))
    };
    match found.as_slice() {
        [] if exists(crate::python::pipfile::PIPFILE)? => {
            Err(PackageManagerError::PipfileWithoutLock)
        }
        [PackageManager::Pipenv] if !exists(crate::python::pipfile::PIPFILE)? => {
            Err(PackageManagerError::LockWithoutPipfile)
        }
        [] => Err(PackageManagerError::NoneFound),
        [manager] => Ok(*manager),
        _ => Err(PackageManagerError::Multiple(found)),
    }
}

/// Applies `BP_PIP_INSTALLER` (`pip_installer`, if set) to a requirements.txt app: `uv` picks
/// [`PackageManager::UvPip`]; other package managers ignore it.
///
/// # Errors
/// [`PackageManagerError::InvalidPipInstaller`] for a value other than `pip` or `uv`.
pub(crate) fn apply_pip_installer(
    package_manager: PackageManager,
    pip_installer: Option<&str>,
) -> Result<PackageManager, PackageManagerError> {
    match (package_manager, pip_installer.map(str::trim)) {
        (PackageManager::Pip, Some("uv")) => Ok(PackageManager::UvPip),
        (_, None | Some("" | "pip" | "uv")) => Ok(package_manager),
        (_, Some(other)) => Err(PackageManagerError::InvalidPipInstaller(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_file_selects() {
        let dir = std::env::temp_dir().join(format!("assetpack-pm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("pyproject.toml"), "").unwrap();
        assert!(matches!(
            determine(&dir),
            Err(PackageManagerError::NoneFound)
        ));
        std::fs::write(dir.join("uv.lock"), "").unwrap();
        assert_eq!(determine(&dir).unwrap(), PackageManager::Uv);
        std::fs::write(dir.join("requirements.txt"), "").unwrap();
        std::fs::write(dir.join("poetry.lock"), "").unwrap();
        std::fs::write(dir.join("Pipfile.lock"), "").unwrap();
        match determine(&dir) {
            Err(PackageManagerError::Multiple(found)) => assert_eq!(found, ALL),
            other => panic!("{other:?}"),
        }
        std::fs::remove_file(dir.join("uv.lock")).unwrap();
        std::fs::remove_file(dir.join("requirements.txt")).unwrap();
        std::fs::remove_file(dir.join("Pipfile.lock")).unwrap();
        assert_eq!(determine(&dir).unwrap(), PackageManager::Poetry);

        // Pipenv needs both files.
        std::fs::remove_file(dir.join("poetry.lock")).unwrap();
        std::fs::write(dir.join("Pipfile"), "").unwrap();
        assert!(matches!(
            determine(&dir),
            Err(PackageManagerError::PipfileWithoutLock)
        ));
        std::fs::write(dir.join("Pipfile.lock"), "").unwrap();
        assert_eq!(determine(&dir).unwrap(), PackageManager::Pipenv);
        std::fs::remove_file(dir.join("Pipfile")).unwrap();
        assert!(matches!(
            determine(&dir),
            Err(PackageManagerError::LockWithoutPipfile)
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn pip_installer_switches_requirements_txt_apps_only() {
        assert_eq!(
            apply_pip_installer(PackageManager::Pip, Some("uv")).unwrap(),
            PackageManager::UvPip
        );
        assert_eq!(
            apply_pip_installer(PackageManager::Pip, None).unwrap(),
            PackageManager::Pip
        );
        assert_eq!(
            apply_pip_installer(PackageManager::Poetry, Some("uv")).unwrap(),
            PackageManager::Poetry
        );
        assert!(matches!(
            apply_pip_installer(PackageManager::Pip, Some("pipx")),
            Err(PackageManagerError::InvalidPipInstaller(value)) if value == "pipx"
        ));
    }
}
