//! `BP_INSTALL_GROUPS`: extra dependency groups for pip (`requirements-<group>.txt`) and uv
//! (`--group`); changing the groups replaces the venv and says why.

use crate::support::{App, Mirror, Workspace, archives_dir, package_buildpack, test_inventory};

fn imports(workspace: &Workspace, module: &str) -> bool {
    workspace
        .run_in_image(&format!("python -c 'import {module}'"))
        .status
        .success()
}

#[test]
#[ignore = "integration test"]
fn pip_install_groups_from_requirements_files() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("groups-pip", &test_inventory());
    let app = App::from_fixture("flask_app", "groups-pip");
    let mut workspace = Workspace::new("groups-pip");
    let build = |workspace: &mut Workspace, groups: &str| {
        let env = [
            ("BP_PYTHON_MIRROR_URL", mirror.url.as_str()),
            ("BP_INSTALL_GROUPS", groups),
        ];
        workspace.build(&app, &buildpack, &env)
    };

    build(&mut workspace, "test")
        .assert_failure()
        .assert_contains("[Error: No requirements file for the group 'test']")
        .assert_contains("Add requirements-test.txt");
    build(&mut workspace, "te st")
        .assert_failure()
        .assert_contains("[Error: Invalid BP_INSTALL_GROUPS]");

    app.write("requirements-test.txt", "six==1.17.0\n");
    build(&mut workspace, " test ,")
        .assert_success()
        .assert_contains("Installing the dependency groups from BP_INSTALL_GROUPS too: test")
        .assert_contains("Running 'pip install -r requirements.txt -r requirements-test.txt'")
        .assert_contains("six-1.17.0");
    assert!(imports(&workspace, "six"));
    workspace.get_from_web("/");

    // Same groups, same files: reused.
    build(&mut workspace, "test")
        .assert_success()
        .assert_contains("Using cached virtual environment")
        .assert_not_contains("Running 'pip install");

    // The group's file changed: reinstalled.
    app.write("requirements-test.txt", "six==1.16.0\n");
    build(&mut workspace, "test")
        .assert_success()
        .assert_contains(
            "Discarding cached virtual environment since:\n - requirements.txt (or a file it includes) has changed",
        )
        .assert_contains("six-1.16.0");

    // No groups: the venv is replaced without them, and the log says why.
    build(&mut workspace, "")
        .assert_success()
        .assert_contains(
            "Discarding cached virtual environment since:\n - BP_INSTALL_GROUPS has changed from test to none\n",
        )
        .assert_contains("Running 'pip install -r requirements.txt'")
        .assert_not_contains("Installing the dependency groups");
    assert!(!imports(&workspace, "six"));
}

#[test]
#[ignore = "integration test"]
fn uv_install_groups() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("groups-uv", &test_inventory());
    let app = App::from_fixture("uv_app", "groups-uv");
    let mut workspace = Workspace::new("groups-uv");
    let build = |workspace: &mut Workspace, groups: &str| {
        let env = [
            ("BP_PYTHON_MIRROR_URL", mirror.url.as_str()),
            ("BP_INSTALL_GROUPS", groups),
        ];
        workspace.build(&app, &buildpack, &env)
    };

    build(&mut workspace, "dev")
        .assert_success()
        .assert_contains("Running 'uv sync --locked --no-default-groups --group dev'")
        .assert_contains(" + pytest==");
    assert!(imports(&workspace, "pytest"));

    build(&mut workspace, "dev")
        .assert_success()
        .assert_contains("Using cached virtual environment")
        .assert_not_contains("Running 'uv sync");

    // A group the project doesn't define: uv's message.
    build(&mut workspace, "dev,docs")
        .assert_failure()
        .assert_contains(
            "Discarding cached virtual environment since:\n - BP_INSTALL_GROUPS has changed from dev to dev,docs\n",
        )
        .assert_contains("Running 'uv sync --locked --no-default-groups --group dev --group docs'")
        .assert_contains("docs")
        .assert_contains("[Error: Unable to install dependencies with uv]");

    build(&mut workspace, "")
        .assert_success()
        .assert_contains("BP_INSTALL_GROUPS has changed from dev to none")
        .assert_not_contains(" + pytest");
    assert!(!imports(&workspace, "pytest"));
}

#[test]
#[ignore = "integration test"]
fn poetry_install_groups() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("groups-poetry", &test_inventory());
    let app = App::from_fixture("poetry_app", "groups-poetry");
    let mut workspace = Workspace::new("groups-poetry");
    let env = [
        ("BP_PYTHON_MIRROR_URL", mirror.url.as_str()),
        ("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"),
        ("BP_INSTALL_GROUPS", "dev"),
    ];
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("Running 'poetry sync --only main,dev'")
        .assert_contains("Installing flask (3.1.3)")
        .assert_contains("Installing pytest");
    assert!(imports(&workspace, "pytest"));
}
