//! uv projects (pyproject.toml + uv.lock) end to end: build, serve, launch-image contents,
//! venv reuse keyed on the lockfile, lockfile errors, package manager errors, and switching an
//! app from pip to uv.

use crate::support::{
    App, Mirror, Workspace, archived_version, archives_dir, package_buildpack, repo_root,
    test_inventory,
};

#[test]
#[ignore = "integration test"]
fn uv_app_builds_serves_and_caches() {
    let python_313 = archived_version("3.13");
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("uv", &test_inventory());
    let env = [("BP_PYTHON_MIRROR_URL", mirror.url.as_str())];
    let app = App::from_fixture("uv_app", "uv");
    let mut workspace = Workspace::new("uv");

    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("Using uv (found uv.lock)")
        .assert_contains(&format!("Using Python {python_313} from .python-version"))
        .assert_contains("Installing uv 0.13.9")
        .assert_contains("Creating a new uv cache")
        .assert_contains("Running 'uv sync --locked --no-default-groups'")
        .assert_contains(" + flask==3.1.3")
        .assert_contains(" + gunicorn==27.0.1")
        // The dev group isn't installed, and pip isn't used at all.
        .assert_not_contains(" + pytest")
        .assert_not_contains("Installing pip")
        .assert_contains("From Procfile: web");
    let venv_sha =
        crate::package_manager_support::assert_tool_not_launched(&workspace, "uv", "uv-cache");

    let layers_dir = workspace.dir.join("layers/assetpack_python");
    let json: serde_json::Value = serde_json::from_str(&workspace.get_from_web("/")).unwrap();
    assert_eq!(json["python_version"], python_313.as_str());
    assert_eq!(json["prefix"], layers_dir.join("venv").to_str().unwrap());

    // Unchanged lockfile: the venv is reused and uv doesn't run.
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("Using cached uv 0.13.9")
        .assert_contains("Using cached uv cache")
        .assert_contains(&format!(
            "Using cached virtual environment: uv.lock, pyproject.toml, Python {python_313} and the target are unchanged, so uv did not run."
        ))
        .assert_not_contains("Running 'uv sync");
    assert_eq!(workspace.layer_sha("venv").unwrap(), venv_sha);

    // A new lockfile (one more dependency) reinstalls.
    copy_fixture_file(&app, "uv_app_relocked", "pyproject.toml");
    copy_fixture_file(&app, "uv_app_relocked", "uv.lock");
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(
            "Discarding cached virtual environment since:\n - uv.lock or pyproject.toml has changed",
        )
        .assert_contains("Running 'uv sync --locked --no-default-groups'")
        .assert_contains(" + six==1.17.0");
    assert_ne!(workspace.layer_sha("venv").unwrap(), venv_sha);

    // pyproject.toml edited after locking: uv's own message, and how to fix it.
    let pyproject = std::fs::read_to_string(app.dir.join("pyproject.toml")).unwrap();
    app.write(
        "pyproject.toml",
        &pyproject.replace("\"six==1.17.0\",", "\"six==1.17.0\",\n    \"idna==3.10\","),
    );
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains(
            "The lockfile at `uv.lock` needs to be updated, but `--locked` was provided.",
        )
        .assert_contains("[Error: Unable to install dependencies with uv]")
        .assert_contains("'uv sync --locked --no-default-groups' failed (exit status: 1).")
        .assert_contains("run 'uv lock' in the app directory, commit uv.lock");
}

#[test]
#[ignore = "integration test"]
fn uv_errors_and_switching_from_pip() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("pip-to-uv", &test_inventory());
    let env = [("BP_PYTHON_MIRROR_URL", mirror.url.as_str())];
    let app = App::from_fixture("flask_app", "pip-to-uv");
    let mut workspace = Workspace::new("pip-to-uv");

    // Only pyproject.toml: no package manager.
    app.remove("requirements.txt");
    copy_fixture_file(&app, "uv_app", "pyproject.toml");
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("[Error: No package manager file found]")
        .assert_contains(
            "  requirements.txt (pip)\n  uv.lock (uv)\n  poetry.lock (Poetry)\n  Pipfile.lock (Pipenv)\nAdd the one for your package manager",
        )
        .assert_not_contains("Installing Python");

    // requirements.txt and uv.lock: which one?
    copy_fixture_file(&app, "uv_app", "uv.lock");
    copy_fixture_file(&app, "flask_app", "requirements.txt");
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("[Error: Several package manager files found]")
        .assert_contains(
            "The app's root directory has the files of more than one package manager:\n  requirements.txt (pip)\n  uv.lock (uv)\nThe buildpack can't tell",
        );

    // A uv app whose requires-python excludes .python-version.
    app.remove("requirements.txt");
    let pyproject = std::fs::read_to_string(app.dir.join("pyproject.toml")).unwrap();
    app.write("pyproject.toml", &pyproject.replace(">=3.11", ">=3.12"))
        .write(".python-version", "3.11\n");
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("Using uv (found uv.lock)")
        .assert_contains("[Error: Python version conflicts with requires-python]");

    // The app on pip, then the same app moved to uv: the venv is replaced, and the log says why.
    let app = App::from_fixture("flask_app", "pip-to-uv");
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("Using pip (found requirements.txt)")
        .assert_contains("Running 'pip install -r requirements.txt'");
    app.remove("requirements.txt");
    copy_fixture_file(&app, "uv_app", "pyproject.toml");
    copy_fixture_file(&app, "uv_app", "uv.lock");
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(
            "Discarding cached virtual environment since:\n - The package manager has changed from pip to uv\n",
        )
        .assert_contains("Removing the cached 'pip' layer: this build doesn't use it")
        .assert_contains("Removing the cached 'pip-cache' layer: this build doesn't use it")
        .assert_contains("Running 'uv sync --locked --no-default-groups'");
    let info = workspace.image_info();
    assert!(
        info["buildpack_layers"]
            .get("assetpack/python/uv")
            .is_none(),
        "{info}"
    );
    // pip's layers left the build cache with the switch.
    let cached = &info["cache_layers"];
    assert!(cached.get("assetpack/python/uv").is_some(), "{info}");
    assert!(cached.get("assetpack/python/pip").is_none(), "{info}");
    assert!(cached.get("assetpack/python/pip-cache").is_none(), "{info}");
    workspace.get_from_web("/");
}

fn copy_fixture_file(app: &App, fixture: &str, file: &str) {
    std::fs::copy(
        repo_root().join("test-fixtures").join(fixture).join(file),
        app.dir.join(file),
    )
    .unwrap();
}

#[test]
#[ignore = "integration test"]
fn requirements_txt_with_uv_pip_installer() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("uv-pip", &test_inventory());
    let app = App::from_fixture("flask_app", "uv-pip");
    let mut workspace = Workspace::new("uv-pip");
    let run = |workspace: &mut Workspace, installer: &str| {
        let env = [
            ("BP_PYTHON_MIRROR_URL", mirror.url.as_str()),
            ("BP_PIP_INSTALLER", installer),
        ];
        workspace.build(&app, &buildpack, &env)
    };

    run(&mut workspace, "pipx")
        .assert_failure()
        .assert_contains("[Error: Invalid BP_PIP_INSTALLER]")
        .assert_contains("BP_PIP_INSTALLER is 'pipx', but it must be 'pip' (the default) or 'uv'");

    run(&mut workspace, "uv")
        .assert_success()
        .assert_contains("Using uv pip (found requirements.txt)")
        .assert_contains("Installing uv 0.13.9")
        .assert_contains("Running 'uv pip install -r requirements.txt'")
        .assert_contains(" + flask==3.1.3")
        .assert_not_contains("Installing pip");
    crate::package_manager_support::assert_tool_not_launched(&workspace, "uv", "uv-cache");
    workspace.get_from_web("/");

    run(&mut workspace, "uv")
        .assert_success()
        .assert_contains("so uv pip did not run.")
        .assert_not_contains("Running 'uv pip install");

    // Back to pip: the venv is replaced.
    run(&mut workspace, "pip")
        .assert_success()
        .assert_contains(
            "Discarding cached virtual environment since:\n - The package manager has changed from uv pip to pip\n",
        )
        .assert_contains("Running 'pip install -r requirements.txt'");
}
