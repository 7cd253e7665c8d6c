//! What the layer caches do with inputs they can't see: requirements.txt includes through an
//! environment variable, and a cached layer that lost a key file.

use std::process::Command;

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
#[test]
#[ignore = "integration test"]
fn a_cached_python_layer_missing_bin_python3_is_reinstalled() {
    let python_313 = archived_version("3.13");
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("incomplete-layer", &test_inventory());
    let env = [("BP_PYTHON_MIRROR_URL", mirror.url.as_str())];
    let app = App::from_fixture("flask_app", "incomplete-layer");
    let mut workspace = Workspace::new("incomplete-layer");
    workspace.build(&app, &buildpack, &env).assert_success();

    // Remove bin/python3 from the python layer's tarball in the bed's volume cache, which the
    // restorer unpacks into the layers directory of the next build.
    let sha = workspace.image_info()["cache_layers"]["assetpack/python/python"]["sha"]
        .as_str()
        .unwrap()
        .to_string();
    let tarball = workspace
        .dir
        .join("cache/committed")
        .join(format!("{sha}.tar"));
    let rewrite = Command::new("python3")
        .args([
            "-c",
            "import sys, tarfile, os\n\
             src, dst = sys.argv[1], sys.argv[1] + '.new'\n\
             removed = 0\n\
             with tarfile.open(src) as old, tarfile.open(dst, 'w', format=old.format) as new:\n\
             \x20   for member in old:\n\
             \x20       if member.name.rstrip('/').endswith('assetpack_python/python/bin/python3'):\n\
             \x20           removed += 1\n\
             \x20           continue\n\
             \x20       new.addfile(member, old.extractfile(member) if member.isfile() else None)\n\
             assert removed == 1, removed\n\
             os.replace(dst, src)\n",
        ])
        .arg(&tarball)
        .output()
        .unwrap();
    assert!(
        rewrite.status.success(),
        "{}",
        String::from_utf8_lossy(&rewrite.stderr)
    );

    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(&format!(
            "Discarding cached Python {python_313} since:\n - The cached layer is incomplete: \
             bin/python3 is missing"
        ))
        .assert_contains(&format!("Installing Python {python_313}"))
        .assert_contains("Using cached virtual environment");
    let json: serde_json::Value = serde_json::from_str(&workspace.get_from_web("/")).unwrap();
    assert_eq!(json["python_version"], python_313.as_str());
}
