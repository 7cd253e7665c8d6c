//! All user-facing error text. Every message says what happened, why, and the exact fix.

use crate::archive::{ATTEMPTS, ArchiveError, Format};
use crate::command::{CommandError, command_details};
use crate::hooks::{Hook, HookError};
use crate::inventory_file::InventoryError;
use crate::layers::UnusedLayerError;
use crate::node::inventory::NODE_MIRROR_ENV_VAR;
use crate::node::layers::node_deps::NodeModulesLayerError;
use crate::node::layers::nodejs::NodejsLayerError;
use crate::node::package_json::PackageJsonError;
use crate::node::tools::{NODE_TOOLS_ENV_VAR, NodeInstaller, NodePackageManager, NodeToolsError};
use crate::node::version::{NVMRC, NodeVersionError, NodeVersionOrigin};
use crate::output::BUG_REPORT;
use crate::processes::ProcfileError;
use crate::python::REINSTALL_ENV_VAR;
use crate::python::install_groups::INSTALL_GROUPS_ENV_VAR;
use crate::python::layers::python::{PythonLayerError, REQUIRE_CHECKSUMS_ENV_VAR};
use crate::python::layers::tool::ToolLayerError;
use crate::python::layers::venv::VenvLayerError;
use crate::python::package_manager::{
    self, PIP_INSTALLER_ENV_VAR, PackageManager, PackageManagerError,
};
use crate::python::python_version::{
    OLDEST_SUPPORTED_MINOR, RUNTIME_TXT, RequestedVersionError, ResolveError,
};
use crate::python::runtime_check::{RuntimeCheckError, package_for};
use crate::python::version::{PythonVersion, VersionOrigin};
use crate::{BuildpackError, MIRROR_ENV_VAR};
use indoc::formatdoc;
use libherokubuildpack::log::log_error;

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
            render_download(&python_download(version), error)
        }
        BuildpackError::PythonLayer(PythonLayerError::Unverified { version, url }) => (
            format!("Refused to install an unverified Python {version}"),
            formatdoc! {"
                {REQUIRE_CHECKSUMS_ENV_VAR} is true, but the buildpack's inventory has no sha256
                for {url}, so its integrity can't be checked.
                Use an inventory with checksums for this archive (archives built by builds/
                always have one), or unset {REQUIRE_CHECKSUMS_ENV_VAR}."
            },
        ),
        BuildpackError::PythonLayer(PythonLayerError::RuntimeCheck { version, error }) => {
            render_runtime_check(version, error)
        }
        BuildpackError::NodejsLayer(NodejsLayerError::Download { version, error }) => {
            render_download(&node_download(version), error)
        }
        BuildpackError::NodeTools(error) => render_node_tools(error),
        BuildpackError::NodeModulesLayer(NodeModulesLayerError::Io(what, error)) => (
            "Unable to set up node_modules".into(),
            format!("{what} failed: {error}\n\n{BUG_REPORT}"),
        ),
        BuildpackError::Hook(error) => render_hook(error),
        BuildpackError::ToolLayer(error) => render_tool(error),
        BuildpackError::RemoveUnusedLayer(UnusedLayerError { path, error }) => (
            "Unable to remove an unused layer".into(),
            format!(
                "Removing {}, a cached layer an earlier build left and this build doesn't use (another package manager, or Node.js tools no longer needed), failed: {error}\nClearing the build cache works around it.\n\n{BUG_REPORT}",
                path.display()
            ),
        ),
        BuildpackError::VenvLayer(error) => render_venv(error),
        BuildpackError::Procfile(error) => render_procfile(error),
        BuildpackError::Django(error) => crate::django::errors::render(error),
        BuildpackError::WebConcurrency(error) => {
            crate::python::web_concurrency::render_error(error)
        }
    }
}

fn render_inventory(error: &InventoryError) -> (String, String) {
    match error {
        InventoryError::Read {
            runtime,
            path,
            error,
        } => (
            format!("Unable to read the {runtime} inventory"),
            formatdoc! {"
                The inventory file {path} could not be read: {error}
                It lists the {runtime} archives this buildpack can install. If you packaged the
                buildpack yourself, include the inventory/ directory in the buildpack directory.

                {BUG_REPORT}",
                path = path.display()
            },
        ),
        InventoryError::Parse {
            runtime,
            path,
            error,
        } => (
            format!("Invalid {runtime} inventory"),
            formatdoc! {"
                The inventory file {path} isn't valid: {error}
                Each [[artifacts]] entry needs {fields}. Fix the file, or use the inventory
                shipped with the buildpack.",
                path = path.display(),
                fields = if *runtime == "Python" {
                    "version (X.Y.Z), arch, distro_name, distro_version and url, and may have sha256"
                } else {
                    "version (X.Y.Z), arch, url and sha256, and may have lts (the LTS codename)"
                },
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
        RequestedVersionError::Pipfile(error) => crate::python::pipenv::render_pipfile_error(error),
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

/// `versions` (newest first, `X.Y.Z`) as one entry per major line: `26.10.0 … 26.0.0`, or
/// the version alone when the line has one release; "none" when empty.
fn summarize_node_versions(versions: &[String]) -> String {
    let mut lines: Vec<(&str, &str, &str)> = Vec::new(); // (major, newest, oldest)
    for version in versions {
        let major = version.split('.').next().unwrap_or_default();
        match lines.last_mut() {
            Some((last_major, _, oldest)) if *last_major == major => *oldest = version,
            _ => lines.push((major, version, version)),
        }
    }
    if lines.is_empty() {
        return "none".into();
    }
    lines
        .iter()
        .map(|(_, newest, oldest)| {
            if newest == oldest {
                (*newest).to_string()
            } else {
                format!("{newest} … {oldest}")
            }
        })
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

/// What a failed runtime download was for: names and fixes differ per runtime.
struct DownloadSubject<'a> {
    /// "Python" or "Node.js".
    runtime: &'a str,
    version: &'a str,
    mirror_env_var: &'a str,
    /// How mirror file names look, for the mirror hint.
    file_names: &'a str,
    /// How to request another version.
    request_other: &'a str,
    format: Format,
    /// Where good archives come from, for unsafe archives.
    made_by: &'a str,
}

fn python_download(version: &str) -> DownloadSubject<'_> {
    DownloadSubject {
        runtime: "Python",
        version,
        mirror_env_var: MIRROR_ENV_VAR,
        file_names: "file names follow python-X.Y.Z-<distro>-<distro version>-<arch>.tar.zst",
        request_other: "request another version in .python-version",
        format: Format::PYTHON,
        made_by: "this project's builder (builds/build-python.sh)",
    }
}

fn node_download(version: &str) -> DownloadSubject<'_> {
    DownloadSubject {
        runtime: "Node.js",
        version,
        mirror_env_var: NODE_MIRROR_ENV_VAR,
        file_names: "it must serve the layout of https://nodejs.org/dist: vX.Y.Z/node-vX.Y.Z-linux-<x64|arm64>.tar.gz",
        request_other: "request another version in package.json engines.node (or .nvmrc)",
        format: Format::NODEJS,
        made_by: "nodejs.org (the official distribution)",
    }
}

fn render_download(subject: &DownloadSubject<'_>, error: &ArchiveError) -> (String, String) {
    let DownloadSubject {
        runtime,
        version,
        mirror_env_var,
        file_names,
        request_other,
        format,
        made_by,
    } = subject;
    let mirror_hint = format!(
        "If you set {mirror_env_var}, check that the mirror serves the file under that base URL;\n\
         {file_names}."
    );
    match error {
        ArchiveError::NotFound { url, status } => (
            format!("{runtime} {version} isn't on the download server"),
            formatdoc! {"
                Downloading {url} failed with HTTP {status}: the server doesn't have this file.
                {mirror_hint}
                Otherwise the archive may not have been published for this target yet:
                {request_other}."
            },
        ),
        ArchiveError::HttpStatus { url, status } => (
            format!("Unable to download {runtime} {version}"),
            formatdoc! {"
                Downloading {url} failed with HTTP {status} on all {ATTEMPTS} attempts.
                This is usually a temporary server problem: try the build again later.
                {mirror_hint}"
            },
        ),
        ArchiveError::Transport { url, error } => (
            format!("Unable to download {runtime} {version}"),
            formatdoc! {"
                Downloading {url} failed on all {ATTEMPTS} attempts: {error}
                Check that the build can reach that host (proxy, DNS, firewall), or set
                {mirror_env_var} to a mirror it can reach."
            },
        ),
        ArchiveError::Unpack { url, error } => (
            format!("Unable to unpack {runtime} {version}"),
            formatdoc! {"
                The download of {url} was cut off, or isn't a valid {format}
                archive ({error}), on all {ATTEMPTS} attempts. Nothing was installed.
                If this keeps happening with a mirror, check that its copy of the file is
                complete: its sha256 must match the buildpack's inventory.",
                format = format.describe()
            },
        ),
        ArchiveError::ChecksumMismatch {
            url,
            expected,
            actual,
        } => (
            format!("Checksum mismatch for {runtime} {version}"),
            formatdoc! {"
                The file downloaded from {url} has sha256
                  {actual}
                but the buildpack's inventory expects
                  {expected}
                The download was discarded: it is corrupt or not the published file.
                If you use a mirror, copy the file again from the original source."
            },
        ),
        ArchiveError::UnsafeEntry { url, path, reason } => (
            format!("Unsafe {runtime} archive for {runtime} {version}"),
            formatdoc! {"
                The archive {url} has an entry '{path}' that isn't allowed: {reason}.
                It could write outside the {runtime} layer, so the archive was refused and
                nothing was installed.
                The archive wasn't made by {made_by}: get the file from there again, or
                fix the mirror."
            },
        ),
        // Security checks of downloads and archives (issue 14).
        ArchiveError::Refused { url, reason } => (
            format!("Refused to download {runtime} {version}"),
            formatdoc! {"
                The download URL {url} was refused: {reason}.
                Downloads must use https (plain http only for a mirror on this machine:
                127.0.0.1, ::1 or localhost), and redirects must stay on https.
                If you set {mirror_env_var}, give it an https:// URL."
            },
        ),
        ArchiveError::TooLarge { url, limit } => (
            format!("{runtime} archive for {runtime} {version} is too large"),
            formatdoc! {"
                The archive {url} exceeds the limit of {limit}, so it was
                refused and nothing was installed. Runtime archives are far smaller: the file
                isn't one made by {made_by}. Get it from there again, or fix the mirror."
            },
        ),
        ArchiveError::Destination(path, error) => (
            format!("Unable to install {runtime} {version}"),
            format!(
                "Preparing the layer directory {} failed: {error}\n\n{BUG_REPORT}",
                path.display()
            ),
        ),
    }
}

/// Where the run image contract (the libraries the runtime needs on build and run images) is.
const RUN_IMAGE_CONTRACT: &str = "https://github.com/assetpack/python#run-image-contract";

fn render_runtime_check(version: &str, error: &RuntimeCheckError) -> (String, String) {
    match error {
        RuntimeCheckError::PythonFailed(error) => (
            format!("Python {version} doesn't run on this build image"),
            formatdoc! {"
                The freshly installed Python {version} could not run a short import check.
                {details}
                The runtime archive needs the system libraries of the run image contract
                ({RUN_IMAGE_CONTRACT}) on the build image and on the run image, and a C library
                at least as new as the distro the archive was built for. Use a stack that meets
                the contract (such as the one in this buildpack's stack/ directory).",
                details = command_details(error)
            },
        ),
        RuntimeCheckError::ModulesFailed(failed) => {
            let modules: Vec<&str> = failed.iter().map(|f| f.module.as_str()).collect();
            let errors = failed
                .iter()
                .map(|f| format!("  {}: {}", f.module, f.error))
                .collect::<Vec<_>>()
                .join("\n");
            let mut libraries: Vec<&str> =
                failed.iter().filter_map(|f| f.missing_library()).collect();
            libraries.sort_unstable();
            libraries.dedup();
            let fix = if libraries.is_empty() {
                format!(
                    "The errors don't name a missing shared library. Check that the build image\n\
                     meets the run image contract: {RUN_IMAGE_CONTRACT}\n\n{BUG_REPORT}"
                )
            } else {
                let mut bookworm: Vec<&str> = Vec::new();
                let lines = libraries
                    .iter()
                    .map(|library| match package_for(library) {
                        Some((deb12, deb13)) => {
                            bookworm.push(deb12);
                            format!(
                                "  {library}: package {deb12} on Debian 12 and Ubuntu 22.04, \
                                 {deb13} on Debian 13 and Ubuntu 24.04"
                            )
                        }
                        None => format!(
                            "  {library}: (not in the contract; find its package with apt-file)"
                        ),
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                bookworm.sort_unstable();
                bookworm.dedup();
                formatdoc! {"
                    The build image lacks shared libraries the Python runtime needs:
                    {lines}
                    Install them in the build image and in the run image (Debian 12:
                    apt-get install --no-install-recommends {packages}), or use a stack that
                    meets the run image contract: {RUN_IMAGE_CONTRACT}",
                    packages = if bookworm.is_empty() { "<package>".to_string() } else { bookworm.join(" ") },
                }
            };
            (
                format!(
                    "Python {version} can't load {} on this build image",
                    modules.join(", ")
                ),
                format!(
                    "Python {version} is installed, but importing these modules failed:\n{errors}\n\n{fix}"
                ),
            )
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
                  pipenv lock                      (Pipenv: writes Pipfile.lock)
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
        PackageManagerError::PipfileWithoutLock => {
            crate::python::pipenv::render_pipfile_without_lock()
        }
        PackageManagerError::LockWithoutPipfile => {
            crate::python::pipenv::render_lock_without_pipfile()
        }
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
    }
}

fn render_venv(error: &VenvLayerError) -> (String, String) {
    match error {
        VenvLayerError::InstallGroups(error) => crate::python::install_groups::render(error),
        VenvLayerError::PipenvInstall(error) => {
            crate::python::pipenv::render_install_error(&command_details(error))
        }
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
                again. If it says a group isn't defined, add it to [dependency-groups] in
                pyproject.toml or remove it from {INSTALL_GROUPS_ENV_VAR}. Otherwise fix what uv
                reports (a package or version that doesn't exist, or one that doesn't support
                this Python version), then build again (set {REINSTALL_ENV_VAR}=true to force a
                clean reinstall).",
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
                If it names a group that doesn't exist, fix {INSTALL_GROUPS_ENV_VAR}.
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
        ProcfileError::Duplicate(name, first, again) => (
            "Invalid Procfile".into(),
            formatdoc! {"
                The Procfile defines the process type '{name}' twice: on line {first} and on
                line {again}. Each process type may appear once; delete or rename one of them."
            },
        ),
    }
}

fn render_node_tools(error: &NodeToolsError) -> (String, String) {
    match error {
        NodeToolsError::InvalidToolsFlag(value) => (
            format!("Invalid {NODE_TOOLS_ENV_VAR} value"),
            formatdoc! {"
                {NODE_TOOLS_ENV_VAR} is set to '{value}', which isn't true or false.
                Set {NODE_TOOLS_ENV_VAR}=true to install Node.js even without a package.json
                build script (e.g. when collectstatic runs a Node compiler), or
                {NODE_TOOLS_ENV_VAR}=false to never install it. Unset it for the default:
                Node.js when package.json has a build script."
            },
        ),
        NodeToolsError::PackageJson(PackageJsonError::Read(path, error)) => (
            "Unable to read package.json".into(),
            format!(
                "{} could not be read: {error}\nMake sure it is a readable UTF-8 file.",
                path.display()
            ),
        ),
        NodeToolsError::PackageJson(PackageJsonError::Parse(path, message)) => (
            "Invalid package.json".into(),
            formatdoc! {"
                {path} isn't valid JSON: {message}
                Fix the syntax at that position (a missing comma or quote, or a trailing comma),
                check it with 'node -e \"require(\\\"./package.json\\\")\"', and build again.",
                path = path.display()
            },
        ),
        NodeToolsError::Version(NodeVersionError::ReadFile(name, error)) => (
            format!("Unable to read {name}"),
            format!(
                "The file {name} in the app's root directory could not be read: {error}\n\
                 Make sure it is a readable UTF-8 text file, or delete it."
            ),
        ),
        NodeToolsError::Version(NodeVersionError::InvalidRange(origin, text)) => (
            format!("Invalid Node.js version in {origin}"),
            formatdoc! {"
                '{text}' (from {origin}) isn't a Node.js version or semver range.
                Use a major version such as 24 (recommended: you get the newest release of that
                line), a range such as >=22 <25, an exact version such as 24.21.0, or in
                {NVMRC} an alias such as lts/*."
            },
        ),
        NodeToolsError::NoMatchingVersion(requested, available, arch) => (
            "No Node.js release matches the requested version".into(),
            formatdoc! {"
                {what} asks for Node.js '{written}', but the buildpack's Node.js inventory has
                no release for {arch} that matches it. Available: {available}.
                Change the requirement to include one of these, e.g. {suggestion}, and build
                again.",
                what = match requested.origin {
                    NodeVersionOrigin::Default => "The default".to_string(),
                    ref origin => origin.to_string(),
                },
                written = requested.written,
                available = summarize_node_versions(available),
                suggestion = available
                    .first()
                    .and_then(|version| version.split('.').next())
                    .unwrap_or("24"),
            },
        ),
        NodeToolsError::MultipleLockfiles(names) => (
            "Several Node.js lockfiles found".into(),
            formatdoc! {"
                The app's root directory has lockfiles of more than one package manager:
                {list}
                The buildpack can't tell which one the app uses. Delete the lockfiles of the
                package managers you don't use, keep the one you install with, and build again.",
                list = names.iter().map(|name| format!("  {name}")).collect::<Vec<_>>().join("\n")
            },
        ),
        NodeToolsError::ReadLockfile(path, error) => (
            "Unable to read the lockfile".into(),
            format!(
                "{} could not be read: {error}\nMake sure it is a readable file.",
                path.display()
            ),
        ),
        NodeToolsError::MissingTool { tool, node } => (
            format!("{tool} not found next to Node.js"),
            formatdoc! {"
                The build uses the Node.js at {node}, but there is no '{tool}' on PATH to go
                with it. {fix}",
                node = node.display(),
                fix = if *tool == "corepack" {
                    "Yarn and pnpm come from corepack, which Node.js includes up to version 24:\n\
                     request Node.js 24 or 22 in package.json engines.node, or use npm\n\
                     (commit a package-lock.json instead of yarn.lock / pnpm-lock.yaml)."
                } else {
                    "Configure the buildpack that provides Node.js to include npm, or remove it\n\
                     from the build so this buildpack installs Node.js and npm itself."
                },
            },
        ),
        NodeToolsError::EarlierNode(error) => (
            "Unable to run Node.js from an earlier buildpack".into(),
            formatdoc! {"
                {details}
                An earlier buildpack put this node on PATH, but it doesn't run. Fix that
                buildpack's configuration, or remove it from the build so this buildpack
                installs Node.js itself.",
                details = command_details(error)
            },
        ),
        NodeToolsError::Corepack(error) => (
            "Unable to set up Yarn or pnpm with corepack".into(),
            formatdoc! {"
                {details}
                corepack downloads the Yarn or pnpm version named in package.json's
                packageManager field (e.g. \"packageManager\": \"pnpm@9.15.0\") from the npm
                registry. Check that the field names a published version and that the build can
                reach the registry, then build again.",
                details = command_details(error)
            },
        ),
        NodeToolsError::Install(installer, error) => render_node_install(*installer, error),
        NodeToolsError::Script {
            name,
            command,
            error,
        } => (
            format!("The package.json '{name}' script failed"),
            formatdoc! {"
                {details}
                The script '{name}' ({command}) failed; its output above says why.
                Run it locally with the same lockfile to reproduce, fix it, and build again.
                If the app doesn't need this script at build time, remove it from
                package.json's scripts (the build runs 'heroku-prebuild', 'build' and
                'heroku-postbuild').",
                details = command_details(error)
            },
        ),
    }
}

fn render_node_install(installer: NodeInstaller, error: &CommandError) -> (String, String) {
    let details = command_details(error);
    let fix = match (installer.manager, installer.lockfile) {
        (NodePackageManager::Npm, Some(lockfile)) => format!(
            "If npm says package.json and {lockfile} are not in sync, {lockfile} no longer\n\
             matches package.json: run 'npm install' in the app directory, commit\n\
             {lockfile}, and build again. Otherwise fix what npm reports (a package or\n\
             version that doesn't exist, or an install script that failed)."
        ),
        (NodePackageManager::Yarn, Some(_)) => {
            "If Yarn says the lockfile needs to be updated, run 'yarn install' in the app\n\
             directory, commit yarn.lock, and build again. Otherwise fix what Yarn reports."
                .to_string()
        }
        (NodePackageManager::Pnpm, Some(_)) => {
            "If pnpm says the lockfile is not up to date with package.json, run\n\
             'pnpm install' in the app directory, commit pnpm-lock.yaml, and build again.\n\
             Otherwise fix what pnpm reports."
                .to_string()
        }
        (manager, None) => format!(
            "Fix what {manager} reports (a package or version that doesn't exist, or an\n\
             install script that failed), then build again. Committing the lockfile {manager}\n\
             writes makes installs reproducible."
        ),
    };
    (
        format!(
            "Unable to install Node.js dependencies with {}",
            installer.manager
        ),
        format!(
            "{details}\n{}'s output above says why.\n{fix}",
            installer.manager
        ),
    )
}

fn render_hook(error: &HookError) -> (String, String) {
    match error {
        HookError::Chmod(hook, path, error) => (
            format!("Unable to run the {} hook", hook.path()),
            format!(
                "{} isn't executable and couldn't be made executable: {error}\n\
                 Make it executable in the repository ('chmod +x {}', then commit) and build again.",
                path.display(),
                hook.path()
            ),
        ),
        HookError::Failed(hook, error) => (
            format!("The {} hook failed", hook.path()),
            formatdoc! {"
                {details}
                The app's {path} script {when} and failed; its output above says why.
                Fix the script (it runs from the app directory with the build's environment:
                python{node} on PATH) and build again, or delete it if the build no longer
                needs it.",
                details = command_details(error),
                path = hook.path(),
                when = match hook {
                    Hook::PreCompile => "runs before the dependencies are installed",
                    Hook::PostCompile => "runs after collectstatic",
                },
                node = ", and node, npm and node_modules/.bin when Node.js is installed,",
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn node_versions_are_summarized_per_major_line() {
        let versions: Vec<String> = [
            "26.10.0", "26.0.0", "24.21.0", "24.20.0", "24.0.0", "22.23.3",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            super::summarize_node_versions(&versions),
            "26.10.0 … 26.0.0, 24.21.0 … 24.0.0, 22.23.3"
        );
        assert_eq!(super::summarize_node_versions(&[]), "none");
    }

    use super::*;
    use crate::python::version::VersionRequest;

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
    fn runtime_check_errors_name_the_library_the_package_and_the_contract() {
        use crate::python::runtime_check::FailedModule;
        let missing = |module: &str, library: &str| FailedModule {
            module: module.into(),
            error: format!(
                "ImportError: {library}: cannot open shared object file: No such file or directory"
            ),
        };
        let (title, body) = render_runtime_check(
            "3.13.5",
            &RuntimeCheckError::ModulesFailed(vec![
                missing("hashlib", "libcrypto.so.3"),
                missing("ssl", "libssl.so.3"),
            ]),
        );
        assert_eq!(
            title,
            "Python 3.13.5 can't load hashlib, ssl on this build image"
        );
        assert!(body.contains("  ssl: ImportError: libssl.so.3: cannot open shared object file"));
        assert!(body.contains(
            "  libssl.so.3: package libssl3 on Debian 12 and Ubuntu 22.04, libssl3t64 on Debian 13"
        ));
        assert!(body.contains("apt-get install --no-install-recommends libssl3), or"));
        assert!(body.contains(RUN_IMAGE_CONTRACT));

        let (_, body) = render_runtime_check(
            "3.13.5",
            &RuntimeCheckError::ModulesFailed(vec![FailedModule {
                module: "readline".into(),
                error: "ImportError: undefined symbol: rl_foo".into(),
            }]),
        );
        assert!(body.contains("don't name a missing shared library"));
        assert!(body.contains(BUG_REPORT));
    }

    #[test]
    fn download_errors_mention_the_mirror_variable() {
        let (title, body) = render_download(
            &python_download("3.13.5"),
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

    fn failed(command: &str) -> CommandError {
        use std::os::unix::process::ExitStatusExt;
        CommandError {
            command: command.into(),
            kind: crate::command::CommandErrorKind::Failed(
                std::process::ExitStatus::from_raw(256),
                None,
            ),
        }
    }

    #[test]
    fn node_errors_name_what_failed_and_the_fix() {
        let (title, body) = render_download(
            &node_download("24.21.0"),
            &ArchiveError::Unpack {
                url: "http://m/v24.21.0/node-v24.21.0-linux-x64.tar.gz".into(),
                error: std::io::Error::other("cut"),
            },
        );
        assert_eq!(title, "Unable to unpack Node.js 24.21.0");
        assert!(body.contains("gzip-compressed tar"), "{body}");

        let npm = NodeInstaller {
            manager: NodePackageManager::Npm,
            lockfile: Some("package-lock.json"),
        };
        let (title, body) = render_node_install(npm, &failed("npm ci --include=dev"));
        assert_eq!(title, "Unable to install Node.js dependencies with npm");
        assert!(body.contains("'npm ci --include=dev' failed"), "{body}");
        assert!(
            body.contains("run 'npm install' in the app directory, commit"),
            "{body}"
        );

        let (title, body) = render_hook(&HookError::Failed(
            Hook::PreCompile,
            failed("bin/pre_compile"),
        ));
        assert_eq!(title, "The bin/pre_compile hook failed");
        assert!(
            body.contains("runs before the dependencies are installed"),
            "{body}"
        );

        let (title, body) = render_node_tools(&NodeToolsError::MultipleLockfiles(vec![
            "package-lock.json",
            "yarn.lock",
        ]));
        assert_eq!(title, "Several Node.js lockfiles found");
        assert!(
            body.contains("  package-lock.json\n  yarn.lock\n"),
            "{body}"
        );
    }
}
