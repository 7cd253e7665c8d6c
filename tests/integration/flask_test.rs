//! The Flask fixture end to end: build, serve, launch-image contents, and rebuild caching.

use std::path::Path;

use crate::support::{
    App, Mirror, Workspace, archived_version, archives_dir, package_buildpack, test_inventory,
};

#[test]
#[ignore = "integration test"]
fn flask_app_builds_serves_and_caches() {
    let python_313 = archived_version("3.13");
    let python_311 = archived_version("3.11");
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("flask", &test_inventory());
    let env = [("BP_PYTHON_MIRROR_URL", mirror.url.as_str())];
    let app = App::from_fixture("flask_app", "flask");
    let mut workspace = Workspace::new("flask");

    // Cold build, through all five lifecycle phases.
    let cold = workspace.build(&app, &buildpack, &env);
    let phases: Vec<String> = cold
        .phase_times()
        .into_iter()
        .map(|(phase, _)| phase)
        .collect();
    assert_eq!(
        phases,
        ["analyzer", "detector", "restorer", "builder", "exporter"],
        "{}",
        cold.log
    );
    cold.assert_success()
        .assert_contains(&format!("Using Python {python_313} from .python-version"))
        .assert_contains(&format!(
            "Installing Python {python_313} from {}/python-{python_313}-debian-12-amd64.tar.zst",
            mirror.url
        ))
        .assert_contains("Installing pip 26.3")
        .assert_contains("Creating a new pip download/wheel cache")
        .assert_contains("Running 'pip install -r requirements.txt'")
        .assert_contains("Successfully installed")
        .assert_contains("From Procfile: web")
        .assert_contains("Setting default process type 'web'");

    // The image carries the runtime and the venv; pip and pip's cache stay out of it.
    let (python_sha, venv_sha) = assert_image_layers(&workspace);

    // The web process, run from the exported image, answers with the interpreter it runs on.
    let layers_dir = workspace.dir.join("layers/assetpack_python");
    let json: serde_json::Value = serde_json::from_str(&workspace.get_from_web("/")).unwrap();
    assert_eq!(json["python_version"], python_313.as_str());
    assert_eq!(
        json["virtual_env"],
        layers_dir.join("venv").to_str().unwrap()
    );
    assert_eq!(json["prefix"], layers_dir.join("venv").to_str().unwrap());
    assert_eq!(json["unbuffered"], "1");

    assert_launch_environment(&workspace, &layers_dir);

    // Rebuild with nothing changed: everything is reused and pip does not run.
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(&format!("Using cached Python {python_313}"))
        .assert_contains("Using cached pip 26.3")
        .assert_contains("Using cached pip download/wheel cache")
        .assert_contains("Using cached virtual environment")
        .assert_contains("To force a reinstall, set BP_REINSTALL_DEPENDENCIES=true")
        .assert_not_contains("Running 'pip install")
        .assert_not_contains(&format!("Installing Python {python_313}"))
        .assert_contains("Reusing layer 'assetpack/python:python'")
        .assert_contains("Reusing layer 'assetpack/python:venv'");
    assert_eq!(workspace.layer_sha("python").unwrap(), python_sha);
    assert_eq!(workspace.layer_sha("venv").unwrap(), venv_sha);

    // Changing requirements.txt reinstalls the dependencies only.
    app.write(
        "requirements.txt",
        "flask==3.1.3\ngunicorn==27.0.1\nitsdangerous==2.2.0\n",
    );
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(&format!("Using cached Python {python_313}"))
        .assert_contains("Discarding cached virtual environment since:\n - requirements.txt (or a file it includes) has changed")
        .assert_contains("Running 'pip install -r requirements.txt'");
    assert_eq!(workspace.layer_sha("python").unwrap(), python_sha);
    assert_ne!(workspace.layer_sha("venv").unwrap(), venv_sha);

    // Another Python version replaces the runtime and the venv, and says why.
    app.write(".python-version", "3.11\n");
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(&format!(
            "Discarding cached Python {python_313} since:\n - The Python version has changed from {python_313} to {python_311}"
        ))
        .assert_contains(&format!("Installing Python {python_311}"))
        .assert_contains(&format!(
            "Discarding cached virtual environment since:\n - The Python version has changed from {python_313} to {python_311}"
        ))
        .assert_contains(&format!(
            "Discarding the pip download/wheel cache since:\n - The Python version has changed from {python_313} to {python_311}"
        ));
    assert_ne!(workspace.layer_sha("python").unwrap(), python_sha);
    let body = workspace.get_from_web("/");
    assert!(
        body.contains(&format!("\"python_version\":\"{python_311}\"")),
        "{body}"
    );
}

/// In the launch image, `python` resolves into the runtime layer, `VIRTUAL_ENV` is set, and
/// there is no pip.
fn assert_launch_environment(workspace: &Workspace, layers_dir: &Path) {
    let output = workspace.run_in_image(&format!(
        "readlink -f \"$(command -v python)\"; echo \"VIRTUAL_ENV=$VIRTUAL_ENV\"; \
         ls {layers} | tr '\\n' ' '; echo; python -m pip --version 2>&1 | tail -n 1; \
         python -c 'import ssl, sqlite3, sys; print(sys.base_prefix)'",
        layers = layers_dir.display()
    ));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with(layers_dir.join("python/bin/python3").to_str().unwrap()),
        "{stdout}"
    );
    assert_eq!(
        lines[1],
        format!("VIRTUAL_ENV={}", layers_dir.join("venv").display())
    );
    // The bed runs on the host userland, whose own pip may be on PATH; what matters is that
    // the image's layers hold none: only the runtime, the venv and the exec.d program that sets
    // WEB_CONCURRENCY are there.
    assert_eq!(lines[2], "python venv web-concurrency ", "{stdout}");
    assert!(lines[3].contains("No module named pip"), "{stdout}");
    assert_eq!(lines[4], layers_dir.join("python").to_str().unwrap());
}

/// The image has the `python` and `venv` layers and not `pip`/`pip-cache` (which are cached
/// only). Returns the `python` and `venv` layer digests.
fn assert_image_layers(workspace: &Workspace) -> (String, String) {
    let info = workspace.image_info();
    let layers = &info["buildpack_layers"];
    assert!(layers.get("assetpack/python/python").is_some(), "{info}");
    assert!(layers.get("assetpack/python/venv").is_some(), "{info}");
    assert!(
        layers.get("assetpack/python/pip").is_none(),
        "pip must not be in the launch image"
    );
    assert!(layers.get("assetpack/python/pip-cache").is_none());
    let cache = &info["cache_layers"];
    assert!(cache.get("assetpack/python/pip-cache").is_some(), "{info}");
    assert!(cache.get("assetpack/python/pip").is_some(), "{info}");
    (
        workspace.layer_sha("python").unwrap(),
        workspace.layer_sha("venv").unwrap(),
    )
}
