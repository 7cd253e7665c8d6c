//! Poetry projects (pyproject.toml + poetry.lock) end to end: build, serve, launch-image
//! contents, venv reuse keyed on the lockfile, and a lockfile out of sync with pyproject.toml.

use crate::support::{
    App, Mirror, Workspace, archived_version, archives_dir, package_buildpack, test_inventory,
};

#[test]
#[ignore = "integration test"]
fn poetry_app_builds_serves_and_caches() {
    let python_313 = archived_version("3.13");
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("poetry", &test_inventory());
    // Poetry (requests) verifies TLS with certifi's bundle unless told otherwise; the bed's
    // network needs the system's CA bundle.
    let env = [
        ("BP_PYTHON_MIRROR_URL", mirror.url.as_str()),
        ("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"),
    ];
    let app = App::from_fixture("poetry_app", "poetry");
    let mut workspace = Workspace::new("poetry");

    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("Using Poetry (found poetry.lock)")
        .assert_contains("Installing poetry 2.5.1")
        .assert_contains("Creating a new Poetry cache")
        .assert_contains("Running 'poetry sync --only main'")
        .assert_contains("Installing flask (3.1.3)")
        .assert_contains("Installing gunicorn (27.0.1)")
        .assert_not_contains("Installing pytest")
        .assert_not_contains("Installing pip");
    let venv_sha = crate::package_manager_support::assert_tool_not_launched(
        &workspace,
        "poetry",
        "poetry-cache",
    );

    let layers_dir = workspace.dir.join("layers/assetpack_python");
    let json: serde_json::Value = serde_json::from_str(&workspace.get_from_web("/")).unwrap();
    assert_eq!(json["python_version"], python_313.as_str());
    assert_eq!(json["prefix"], layers_dir.join("venv").to_str().unwrap());

    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("Using cached poetry 2.5.1")
        .assert_contains(&format!(
            "Using cached virtual environment: poetry.lock, pyproject.toml, Python {python_313} and the target are unchanged, so Poetry did not run."
        ))
        .assert_not_contains("Running 'poetry sync");
    assert_eq!(workspace.layer_sha("venv").unwrap(), venv_sha);

    let pyproject = std::fs::read_to_string(app.dir.join("pyproject.toml")).unwrap();
    app.write(
        "pyproject.toml",
        &pyproject.replace(
            "\"gunicorn==27.0.1\",",
            "\"gunicorn==27.0.1\",\n    \"six==1.17.0\",",
        ),
    );
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains(
            "Discarding cached virtual environment since:\n - poetry.lock or pyproject.toml has changed",
        )
        .assert_contains("pyproject.toml changed significantly since poetry.lock was last generated.")
        .assert_contains("[Error: Unable to install dependencies with Poetry]")
        .assert_contains("run\n'poetry lock' in the app directory, commit poetry.lock");
}
