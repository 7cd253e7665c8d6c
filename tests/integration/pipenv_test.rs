//! Pipenv apps (Pipfile + Pipfile.lock) end to end: the Python version from the Pipfile, build,
//! serve, launch-image contents, venv reuse keyed on the lockfile, `BP_INSTALL_GROUPS` (`dev`
//! and a Pipfile category), and the errors for a missing or out-of-date lock.

use crate::support::{
    App, Mirror, Workspace, archived_version, archives_dir, package_buildpack, test_inventory,
};

#[test]
#[ignore = "integration test"]
fn pipenv_app_builds_serves_and_caches() {
    let python_313 = archived_version("3.13");
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("pipenv", &test_inventory());
    let env = [("BP_PYTHON_MIRROR_URL", mirror.url.as_str())];
    let app = App::from_fixture("pipenv_app", "pipenv");
    let mut workspace = Workspace::new("pipenv");

    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("Using Pipenv (found Pipfile.lock)")
        .assert_contains(&format!(
            "Using Python {python_313} from [requires] python_version in Pipfile"
        ))
        .assert_contains("Installing pipenv 2026.10.3")
        .assert_contains("Creating a new Pipenv cache")
        .assert_contains("Running 'pipenv install --deploy'")
        .assert_contains("Installed: blinker 1.9.0, click ")
        .assert_contains("flask 3.1.3, gunicorn 27.0.1,")
        .assert_not_contains("Installing pip 26")
        .assert_contains("From Procfile: web");
    let venv_sha = crate::package_manager_support::assert_tool_not_launched(
        &workspace,
        "pipenv",
        "pipenv-cache",
    );
    // Pipenv made no virtual environment of its own, and wrote nothing into the app.
    let listing = workspace.run_in_image("ls -A");
    assert_eq!(
        String::from_utf8_lossy(&listing.stdout)
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["Pipfile", "Pipfile.lock", "Procfile", "app.py"]
    );
    let venv = workspace.dir.join("layers/assetpack_python/venv");
    let json: serde_json::Value = serde_json::from_str(&workspace.get_from_web("/")).unwrap();
    assert_eq!(json["python_version"], python_313.as_str());
    assert_eq!(json["prefix"], venv.to_str().unwrap());
    // Dev packages aren't installed by default.
    assert!(
        !workspace
            .run_in_image("python -c 'import six'")
            .status
            .success()
    );

    // Unchanged lockfile: the venv is reused and Pipenv doesn't run.
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("Using cached pipenv 2026.10.3")
        .assert_contains(&format!(
            "Using cached virtual environment: Pipfile.lock, Pipfile, Python {python_313} and the target are unchanged, so Pipenv did not run."
        ))
        .assert_not_contains("Running 'pipenv");
    assert_eq!(workspace.layer_sha("venv").unwrap(), venv_sha);

    // The Pipfile edited after locking: Pipenv's message, and how to fix it.
    let pipfile = std::fs::read_to_string(app.dir.join("Pipfile")).unwrap();
    app.write(
        "Pipfile",
        &pipfile.replace("[dev-packages]", "packaging = \"*\"\n\n[dev-packages]"),
    );
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains(
            "Discarding cached virtual environment since:\n - Pipfile.lock or Pipfile has changed",
        )
        .assert_contains("Your Pipfile.lock (887f729a01a2b3e67fe450f20e4a98874da926de14767eabbcd6522597086f28) is out of date.")
        .assert_contains("ERROR:: Aborting deploy\n\n[Error: Unable to install dependencies with Pipenv]")
        .assert_not_contains("[DeployException]")
        .assert_contains("[Error: Unable to install dependencies with Pipenv]")
        .assert_contains("'pipenv install --deploy' failed (exit status: 1).")
        .assert_contains(
            "run 'pipenv lock' in the app directory, commit Pipfile.lock, and build again.",
        );
}

#[test]
#[ignore = "integration test"]
fn pipenv_install_groups() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("pipenv-groups", &test_inventory());
    let env = [("BP_PYTHON_MIRROR_URL", mirror.url.as_str())];
    let app = App::from_fixture("pipenv_app", "pipenv-groups");
    let mut workspace = Workspace::new("pipenv-groups");
    workspace.build(&app, &buildpack, &env).assert_success();

    // The dev packages on request.
    let dev_env = [
        ("BP_PYTHON_MIRROR_URL", mirror.url.as_str()),
        ("BP_INSTALL_GROUPS", "dev"),
    ];
    workspace
        .build(&app, &buildpack, &dev_env)
        .assert_success()
        .assert_contains(
            "Discarding cached virtual environment since:\n - BP_INSTALL_GROUPS has changed from none to dev",
        )
        .assert_contains("Running 'pipenv install --deploy --dev'");
    assert!(
        workspace
            .run_in_image("python -c 'import six'")
            .status
            .success()
    );

    // Another Pipfile category, with the dev packages.
    let categories_env = [
        ("BP_PYTHON_MIRROR_URL", mirror.url.as_str()),
        ("BP_INSTALL_GROUPS", "docs,dev"),
    ];
    workspace
        .build(&app, &buildpack, &categories_env)
        .assert_success()
        .assert_contains("BP_INSTALL_GROUPS has changed from dev to dev,docs")
        .assert_contains(
            "Running 'pipenv install --deploy --categories packages,dev-packages,docs'",
        )
        .assert_contains("idna 3.10");
    assert!(
        workspace
            .run_in_image("python -c 'import six, idna, flask'")
            .status
            .success()
    );
}

#[test]
#[ignore = "integration test"]
fn pipenv_errors() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("pipenv-errors", &test_inventory());
    let env = [("BP_PYTHON_MIRROR_URL", mirror.url.as_str())];
    let app = App::from_fixture("pipenv_app", "pipenv-errors");
    let mut workspace = Workspace::new("pipenv-errors");

    // No lock: the fix is `pipenv lock`.
    app.remove("Pipfile.lock");
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("[Error: Pipfile.lock not found]")
        .assert_contains("Run 'pipenv lock' in the app directory, commit Pipfile.lock")
        .assert_not_contains("Installing Python");

    // .python-version wins over the Pipfile, and the two must agree.
    let app = App::from_fixture("pipenv_app", "pipenv-errors");
    app.write(".python-version", "3.11\n");
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("[Error: .python-version and Pipfile name different Python versions]")
        .assert_contains(
            ".python-version asks for Python 3.11, but [requires] python_version in the Pipfile is 3.13",
        );
}
