//! What the layer caches do with inputs they can't see: requirements.txt includes through an
//! environment variable, and a cached layer that lost a key file.

use crate::support::{
    App, Mirror, Workspace, archived_version, archives_dir, package_buildpack, test_inventory,
};

/// pip expands `${VAR}` in requirement files; the buildpack can't follow such an include, so
/// the build must still work and every rebuild reinstalls, saying why.
#[test]
#[ignore = "integration test"]
fn requirements_include_through_an_environment_variable_reinstalls_every_build() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("requirements-env-include", &test_inventory());
    let app = App::from_fixture("flask_app", "requirements-env-include");
    app.write(
        "requirements.txt",
        "flask==3.1.3\ngunicorn==27.0.1\n-c ${CONSTRAINTS_DIR}/constraints.txt\n",
    );
    std::fs::create_dir_all(app.dir.join("constraints")).unwrap();
    app.write("constraints/constraints.txt", "flask==3.1.3\n");
    let mut workspace = Workspace::new("requirements-env-include");
    let constraints_dir = workspace.dir.join("app/constraints");
    let env = [
        ("BP_PYTHON_MIRROR_URL", mirror.url.as_str()),
        ("CONSTRAINTS_DIR", constraints_dir.to_str().unwrap()),
    ];

    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_not_contains("Unable to read the requirements file")
        .assert_contains("Running 'pip install -r requirements.txt'")
        .assert_contains("Successfully installed");

    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(
            "Discarding cached virtual environment since:\n - requirements.txt includes files \
             through a URL or an environment variable ('-c ${CONSTRAINTS_DIR}/constraints.txt'), \
             whose contents aren't tracked",
        )
        .assert_contains("Running 'pip install -r requirements.txt'")
        .assert_not_contains("Using cached virtual environment");
    let body = workspace.get_from_web("/");
    assert!(body.contains("python_version"), "{body}");
}

/// A cached `python` layer without `bin/python3` is discarded and reinstalled, with the reason
/// in the log; the venv, whose `bin/python` resolves again, is reused.
///
/// The layer loses the file during a build (a `bin/post_compile` hook deletes it), so the
/// exporter caches it that way: the lifecycle checks each cached tarball against its recorded
/// digest, so a file deleted from the tarball in the cache volume afterwards never reaches the
/// buildpack (the restorer skips that layer with a warning).
#[test]
#[ignore = "integration test"]
fn a_cached_python_layer_missing_bin_python3_is_reinstalled() {
    let python_313 = archived_version("3.13");
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("incomplete-layer", &test_inventory());
    let env = [("BP_PYTHON_MIRROR_URL", mirror.url.as_str())];
    let app = App::from_fixture("flask_app", "incomplete-layer");
    std::fs::create_dir_all(app.dir.join("bin")).unwrap();
    app.write(
        "bin/post_compile",
        "#!/usr/bin/env bash\nset -eu\nrm -v \"$VIRTUAL_ENV/../python/bin/python3\"\n",
    );
    let mut workspace = Workspace::new("incomplete-layer");
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("python/bin/python3'");
    let cached = workspace.image_info()["cache_layers"]["assetpack/python/python"]["sha"]
        .as_str()
        .unwrap()
        .to_string();

    app.remove("bin/post_compile");
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(&format!(
            "Discarding cached Python {python_313} since:\n - The cached layer is incomplete: \
             bin/python3 is missing"
        ))
        .assert_contains(&format!("Installing Python {python_313}"))
        .assert_contains("Using cached virtual environment");
    assert_ne!(
        workspace.image_info()["cache_layers"]["assetpack/python/python"]["sha"]
            .as_str()
            .unwrap(),
        cached
    );
    let json: serde_json::Value = serde_json::from_str(&workspace.get_from_web("/")).unwrap();
    assert_eq!(json["python_version"], python_313.as_str());

    // Complete again: reused.
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(&format!("Using cached Python {python_313}"));
}
