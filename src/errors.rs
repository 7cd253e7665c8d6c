//! All user-facing error text. Every message says what happened, why, and the exact fix.

use crate::archive::{ATTEMPTS, ArchiveError};
use crate::command::{CommandError, CommandErrorKind};
use crate::django::{DISABLE_ENV_VAR, DjangoError};
use crate::inventory::InventoryError;
use crate::layers::python::PythonLayerError;
use crate::layers::tool::ToolLayerError;
use crate::layers::venv::{REINSTALL_ENV_VAR, VenvLayerError};
use crate::package_manager::{self, PIP_INSTALLER_ENV_VAR, PackageManager, PackageManagerError};
use crate::processes::ProcfileError;
use crate::python_version::{
    OLDEST_SUPPORTED_MINOR, PythonVersion, RUNTIME_TXT, RequestedVersionError, ResolveError,
    VersionOrigin,
};
use crate::{BuildpackError, MIRROR_ENV_VAR};
use indoc::formatdoc;
use libherokubuildpack::log::log_error;

const BUG_REPORT: &str = "This looks like a bug in the buildpack or its packaging: please report it \
    at https://github.com/assetpack/python/issues with the build log.";

/// Renders a build or detect error to the log.
pub(crate) fn on_error(error: libcnb::Error<BuildpackError>) {
    match error {
        libcnb::Error::BuildpackError(error) => {
            let (title, body) = render(&error);
            log_error(title, body);
        }
        other => log_error(
            "Internal buildpack error",
            format!("The buildpack framework reported an error: {other}\n\n{BUG_REPORT}"),
        ),
    }
}

/// `(title, body)` for each error.
pub(crate) fn render(error: &BuildpackError) -> (String, String) {
    match error {
        BuildpackError::Detect(error) => (
            "Unable to inspect the app directory".into(),
            format!(
                "Checking the app's root directory for Python project files failed: {error}\n\n{BUG_REPORT}"
            ),
        ),
        BuildpackError::Inventory(error) => render_inventory(error),
        BuildpackError::PackageManager(error) => render_package_manager(error),
        BuildpackError::RequestedVersion(error) => render_requested_version(error),
        BuildpackError::ResolveVersion {
            error,
            origin,
            target,
        } => render_resolve(error, origin, target),
        BuildpackError::PythonLayer(PythonLayerError::Download { version, error }) => {
            render_download(version, error)
        }
        BuildpackError::ToolLayer(error) => render_tool(error),
        BuildpackError::VenvLayer(error) => render_venv(error),
        BuildpackError::Procfile(error) => render_procfile(error),
        BuildpackError::Django(error) => render_django(error),
    }
}

fn render_inventory(error: &InventoryError) -> (String, String) {
    match error {
        InventoryError::Read(path, error) => (
            "Unable to read the Python inventory".into(),
            formatdoc! {"
                The inventory file {path} could not be read: {error}
                It lists the Python archives this buildpack can install. If you packaged the
                buildpack yourself, include inventory/python.toml in the buildpack directory.

                {BUG_REPORT}",
                path = path.display()
            },
        ),
        InventoryError::Parse(path, error) => (
            "Invalid Python inventory".into(),
            formatdoc! {"
                The inventory file {path} isn't valid: {error}
                Each [[artifacts]] entry needs version (X.Y.Z), arch, distro_name,
                distro_version and url, and may have sha256. Fix the file, or use the
                inventory shipped with the buildpack.",
                path = path.display()
            },
        ),
    }
}

fn render_requested_version(error: &RequestedVersionError) -> (String, String) {
    let fix_python_version = "Use a major.minor version such as 3.13 (recommended: you get the newest \
        patch release), or an exact version such as 3.13.5.";
    match error {
        RequestedVersionError::ReadFile(name, error) => (
            format!("Unable to read {name}"),
            format!(
                "The file {name} in the app's root directory could not be read: {error}\nMake sure it is a readable UTF-8 text file."
            ),
        ),
        RequestedVersionError::NoVersion(name) => (
            format!("Invalid Python version in {name}"),
            format!(
                "{name} has no Python version in it (only blank lines or comments).\n{fix_python_version}\nOr delete {name} to use the default version."
            ),
        ),
        RequestedVersionError::MultipleVersions(name, lines) => (
            format!("Invalid Python version in {name}"),
            format!(
                "{name} names more than one version:\n{}\nIt must name exactly one. Keep the version the app runs on and delete the other lines.",
                lines
                    .iter()
                    .map(|line| format!("  {line}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        ),
        RequestedVersionError::InvalidSyntax(name, line) if *name == RUNTIME_TXT => (
            "Invalid Python version in runtime.txt".into(),
            formatdoc! {"
                The line '{line}' in runtime.txt isn't a valid version: it must look like
                python-3.13.5. runtime.txt is also deprecated: replace it with a
                .python-version file holding the version, e.g. 'echo 3.13 > .python-version',
                and delete runtime.txt."
            },
        ),
        RequestedVersionError::InvalidSyntax(name, line) => (
            format!("Invalid Python version in {name}"),
            format!("The version '{line}' in {name} isn't valid.\n{fix_python_version}"),
        ),
        RequestedVersionError::Disagree {
            python_version_file,
            runtime_txt,
        } => (
            "runtime.txt and .python-version disagree".into(),
            formatdoc! {"
                runtime.txt asks for Python {runtime_txt}, but .python-version asks for
                Python {python_version_file}. The build can't tell which one you meant.
                runtime.txt is deprecated: delete it and keep .python-version."
            },
        ),
        RequestedVersionError::InvalidPyprojectToml(error) => (
            "Invalid pyproject.toml".into(),
            format!(
                "pyproject.toml isn't valid TOML, so its requires-python can't be read:\n{error}\nFix the syntax error shown above."
            ),
        ),
        RequestedVersionError::InvalidRequiresPython(text, error) => (
            "Invalid requires-python in pyproject.toml".into(),
            format!(
                "requires-python = '{text}' isn't a valid version specifier: {error}\nUse PEP 440 syntax, for example: requires-python = \">=3.12\""
            ),
        ),
    }
}

fn list_versions(versions: &[PythonVersion]) -> String {
    if versions.is_empty() {
        return "(none)".into();
    }
    versions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn render_resolve(error: &ResolveError, origin: &VersionOrigin, target: &str) -> (String, String) {
    match error {
        ResolveError::EndOfLife(request) => (
            "The requested Python version has reached end-of-life".into(),
            formatdoc! {"
                Python {request} (from {origin}) no longer gets security fixes from its
                maintainers, and this buildpack supports Python 3.{OLDEST_SUPPORTED_MINOR} and newer.
                Upgrade the app to a supported version and set it in .python-version,
                for example: echo 3.13 > .python-version"
            },
        ),
        ResolveError::Unknown { request, newest } => (
            "The requested Python version isn't known".into(),
            formatdoc! {"
                Python {request} (from {origin}) is newer than any version this buildpack
                knows; the newest it has is {newest}.
                Check the version for typos, or use a newer release of this buildpack.",
                newest = newest.map_or_else(|| "none".to_string(), |v| v.to_string())
            },
        ),
        ResolveError::NotAvailable { request, available } => (
            "The requested Python version isn't available".into(),
            formatdoc! {"
                Python {request} (from {origin}) isn't available for {target}.
                Available versions: {available}
                Pick one of these, or request only major.minor (e.g. 3.13) to get the newest
                patch release of that line.",
                available = list_versions(available)
            },
        ),
        ResolveError::RequiresPythonExcludes {
            requires_python,
            chosen: Some(chosen),
            ..
        } => (
            "Python version conflicts with requires-python".into(),
            formatdoc! {"
                Python {chosen} (from {origin}) doesn't satisfy requires-python = '{requires_python}'
                in pyproject.toml, so the app would run on a version it says it doesn't support.
                Change .python-version or requires-python so that they agree."
            },
        ),
        ResolveError::RequiresPythonExcludes {
            requires_python,
            chosen: None,
            available,
        } => (
            "No Python version satisfies requires-python".into(),
            formatdoc! {"
                None of the available Python versions for {target} satisfies
                requires-python = '{requires_python}' in pyproject.toml.
                Available versions: {available}
                Widen requires-python, or pin a version with a .python-version file.",
                available = list_versions(available)
            },
        ),
        ResolveError::NoArtifactsForTarget => (
            "No Python builds for this target".into(),
            formatdoc! {"
                The buildpack's inventory has no Python archives for {target}.
                Build on a run image whose distro the inventory covers, or package the
                buildpack with an inventory that has archives for this target
                (see builds/README.md for building them)."
            },
        ),
    }
}

/// One-line summary of a download error, for retry notices.
pub(crate) fn archive_error_summary(error: &ArchiveError) -> String {
    match error {
        ArchiveError::NotFound { status, .. } | ArchiveError::HttpStatus { status, .. } => {
            format!("HTTP {status}")
        }
        ArchiveError::Transport { error, .. } => error.to_string(),
        ArchiveError::Unpack { error, .. } => format!("stream or archive error: {error}"),
        ArchiveError::ChecksumMismatch { .. } => "checksum mismatch".into(),
        ArchiveError::UnsafeEntry { path, .. } => format!("unsafe entry {path}"),
        ArchiveError::Destination(path, error) => format!("{}: {error}", path.display()),
    }
}

fn render_download(version: &str, error: &ArchiveError) -> (String, String) {
    let mirror_hint = format!(
        "If you set {MIRROR_ENV_VAR}, check that the mirror serves the file under that base URL;\n\
         file names follow python-X.Y.Z-<distro>-<distro version>-<arch>.tar.zst."
    );
    match error {
        ArchiveError::NotFound { url, status } => (
            format!("Python {version} isn't on the download server"),
            formatdoc! {"
                Downloading {url} failed with HTTP {status}: the server doesn't have this file.
                {mirror_hint}
                Otherwise the archive may not have been published for this target yet:
                request another version in .python-version."
            },
        ),
        ArchiveError::HttpStatus { url, status } => (
            format!("Unable to download Python {version}"),
            formatdoc! {"
                Downloading {url} failed with HTTP {status} on all {ATTEMPTS} attempts.
                This is usually a temporary server problem: try the build again later.
                {mirror_hint}"
            },
        ),
        ArchiveError::Transport { url, error } => (
            format!("Unable to download Python {version}"),
            formatdoc! {"
                Downloading {url} failed on all {ATTEMPTS} attempts: {error}
                Check that the build can reach that host (proxy, DNS, firewall), or set
                {MIRROR_ENV_VAR} to a mirror it can reach."
            },
        ),
        ArchiveError::Unpack { url, error } => (
            format!("Unable to unpack Python {version}"),
            formatdoc! {"
                The download of {url} was cut off, or isn't a valid zstd-compressed tar
                archive ({error}), on all {ATTEMPTS} attempts. Nothing was installed.
                If this keeps happening with a mirror, check that its copy of the file is
                complete: its sha256 must match the buildpack's inventory."
            },
        ),
        ArchiveError::ChecksumMismatch {
            url,
            expected,
            actual,
        } => (
            format!("Checksum mismatch for Python {version}"),
            formatdoc! {"
                The file downloaded from {url} has sha256
                  {actual}
                but the buildpack's inventory expects
                  {expected}
                The download was discarded: it is corrupt or not the published file.
                If you use a mirror, copy the file again from the original source."
            },
        ),
        ArchiveError::UnsafeEntry { url, path } => (
            format!("Unsafe Python archive for Python {version}"),
            formatdoc! {"
                The archive {url} has an entry '{path}' that would be written outside the
                Python layer, so it was refused and nothing was installed.
                The archive wasn't made by this project's builder (builds/build-python.sh):
                rebuild it, or fix the mirror."
            },
        ),
        ArchiveError::Destination(path, error) => (
            format!("Unable to install Python {version}"),
            format!(
                "Preparing the layer directory {} failed: {error}\n\n{BUG_REPORT}",
                path.display()
            ),
        ),
    }
}

fn command_details(error: &CommandError) -> String {
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

/// `  requirements.txt (pip)` lines for `managers`.
fn list_package_managers(managers: &[PackageManager]) -> String {
    managers
        .iter()
        .map(|manager| format!("  {} ({manager})", manager.file()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn render_package_manager(error: &PackageManagerError) -> (String, String) {
    match error {
        PackageManagerError::NoneFound => (
            "No package manager file found".into(),
            formatdoc! {"
                The buildpack installs the app's dependencies with the package manager whose
                file is in the app's root directory, and none of these is there:
                {supported}
                Add the one for your package manager, for example:
                  uv lock                          (uv: writes uv.lock from pyproject.toml)
                  poetry lock                      (Poetry: writes poetry.lock)
                  pip freeze > requirements.txt    (pip)
                and commit it. If the file exists, check it isn't in a subdirectory, misspelled,
                or excluded from the build by .gitignore or project.toml.",
                supported = list_package_managers(&package_manager::ALL)
            },
        ),
        PackageManagerError::Multiple(found) => (
            "Several package manager files found".into(),
            formatdoc! {"
                The app's root directory has the files of more than one package manager:
                {found}
                The buildpack can't tell which one is meant to install the dependencies.
                Keep the file of the package manager you use and delete the others
                (e.g. 'git rm requirements.txt' if the app moved to uv).",
                found = list_package_managers(found)
            },
        ),
        PackageManagerError::InvalidPipInstaller(value) => (
            format!("Invalid {PIP_INSTALLER_ENV_VAR}"),
            formatdoc! {"
                {PIP_INSTALLER_ENV_VAR} is '{value}', but it must be 'pip' (the default) or 'uv'
                (install requirements.txt with 'uv pip install'). Set it to one of these, or
                unset it."
            },
        ),
        PackageManagerError::Io(name, error) => (
            "Unable to inspect the app directory".into(),
            format!("Checking the app's root directory for {name} failed: {error}\n\n{BUG_REPORT}"),
        ),
    }
}

fn render_tool(error: &ToolLayerError) -> (String, String) {
    match error {
        ToolLayerError::BundledWheelMissing(dir, io_error) => (
            "Unable to bootstrap the package manager".into(),
            format!(
                "The Python runtime has no bundled pip wheel in {}{}, which installs the package manager.\nThe runtime archive is incomplete.\n\n{BUG_REPORT}",
                dir.display(),
                io_error
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ),
        ),
        ToolLayerError::Install(package, version, error) => (
            format!("Unable to install {package} {version}"),
            formatdoc! {"
                {details}
                Installing {package} needs access to PyPI (or the index set with PIP_INDEX_URL).
                Check the network, then build again.",
                details = command_details(error)
            },
        ),
        ToolLayerError::RemoveUnused(path, error) => (
            "Unable to remove an unused layer".into(),
            format!(
                "Removing {}, left by an earlier build with another package manager, failed: {error}\nClearing the build cache works around it.\n\n{BUG_REPORT}",
                path.display()
            ),
        ),
    }
}

fn render_venv(error: &VenvLayerError) -> (String, String) {
    match error {
        VenvLayerError::Fingerprint(error) => (
            "Unable to read the requirements file".into(),
            formatdoc! {"
                {path} could not be read: {io_error}
                requirements.txt and the files it includes with -r/-c must exist and be
                readable. Fix the path in the -r/-c line or add the missing file.",
                path = error.path.display(),
                io_error = error.error
            },
        ),
        VenvLayerError::CreateVenv(error) => (
            "Unable to create the virtual environment".into(),
            format!("{}\n\n{BUG_REPORT}", command_details(error)),
        ),
        VenvLayerError::UvSync(error) => (
            "Unable to install dependencies with uv".into(),
            formatdoc! {"
                {details}
                uv's output above says why.
                If it says the lockfile needs to be updated, uv.lock no longer matches
                pyproject.toml: run 'uv lock' in the app directory, commit uv.lock, and build
                again. Otherwise fix what uv reports (a package or version that doesn't exist,
                or one that doesn't support this Python version), then build again (set
                {REINSTALL_ENV_VAR}=true to force a clean reinstall).",
                details = command_details(error)
            },
        ),
        VenvLayerError::PoetrySync(error) => (
            "Unable to install dependencies with Poetry".into(),
            formatdoc! {"
                {details}
                Poetry's output above says why.
                If it says pyproject.toml changed since poetry.lock was last generated, run
                'poetry lock' in the app directory, commit poetry.lock, and build again.
                Otherwise fix what Poetry reports, then build again (set
                {REINSTALL_ENV_VAR}=true to force a clean reinstall).",
                details = command_details(error)
            },
        ),
        VenvLayerError::UvPipInstall(error) => (
            "Unable to install dependencies with uv".into(),
            formatdoc! {"
                {details}
                uv's output above says why. Common causes: a typo in a package name, a
                version that doesn't exist, or a package that doesn't support this Python
                version. Fix requirements.txt, then build again. To install with pip instead,
                unset {PIP_INSTALLER_ENV_VAR}.",
                details = command_details(error)
            },
        ),
        VenvLayerError::PipInstall(error) => (
            "Unable to install dependencies with pip".into(),
            formatdoc! {"
                {details}
                pip's output above says why. Common causes: a typo in a package name, a
                version that doesn't exist, or a package that doesn't support this Python
                version. Fix requirements.txt, then build again (set {REINSTALL_ENV_VAR}=true
                to force a clean reinstall).",
                details = command_details(error)
            },
        ),
    }
}

fn render_procfile(error: &ProcfileError) -> (String, String) {
    match error {
        ProcfileError::Read(error) => (
            "Unable to read the Procfile".into(),
            format!(
                "The Procfile in the app's root directory could not be read: {error}\nMake sure it is a readable UTF-8 text file."
            ),
        ),
        ProcfileError::InvalidLine(number, line) => (
            "Invalid Procfile".into(),
            formatdoc! {"
                Line {number} of the Procfile isn't valid:
                  {line}
                Each line must be '<process type>: <command>', for example:
                  web: gunicorn myapp.wsgi --bind 0.0.0.0:$PORT
                Process types may use letters, digits, '.', '_' and '-'."
            },
        ),
    }
}

fn render_django(error: &DjangoError) -> (String, String) {
    match error {
        DjangoError::WriteHelper(path, error) => (
            "Unable to prepare the static files step".into(),
            format!("Writing {} failed: {error}\n\n{BUG_REPORT}", path.display()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python_version::VersionRequest;

    #[test]
    fn resolve_errors_name_the_source_and_the_fix() {
        let request = VersionRequest {
            major: 3,
            minor: 9,
            patch: None,
        };
        let (title, body) = render_resolve(
            &ResolveError::EndOfLife(request),
            &VersionOrigin::PythonVersionFile,
            "debian 12 (amd64)",
        );
        assert_eq!(
            title,
            "The requested Python version has reached end-of-life"
        );
        assert!(body.contains("Python 3.9 (from .python-version)"));
        assert!(body.contains("echo 3.13 > .python-version"));
    }

    #[test]
    fn download_errors_mention_the_mirror_variable() {
        let (title, body) = render_download(
            "3.13.5",
            &ArchiveError::NotFound {
                url: "http://m/python-3.13.5-debian-12-amd64.tar.zst".into(),
                status: 404,
            },
        );
        assert_eq!(title, "Python 3.13.5 isn't on the download server");
        assert!(body.contains("HTTP 404"));
        assert!(body.contains(MIRROR_ENV_VAR));
    }

    #[test]
    fn package_manager_errors_list_the_files() {
        let (title, body) = render_package_manager(&PackageManagerError::Multiple(vec![
            PackageManager::Pip,
            PackageManager::Uv,
        ]));
        assert_eq!(title, "Several package manager files found");
        assert!(
            body.contains("  requirements.txt (pip)\n  uv.lock (uv)\n"),
            "{body}"
        );
        let (_, body) = render_package_manager(&PackageManagerError::NoneFound);
        assert!(body.contains("  poetry.lock (Poetry)"), "{body}");
        assert!(body.contains("uv lock"));
    }
}
