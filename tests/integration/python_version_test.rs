//! Python version requests that can't be met fail the build with a clear, specific error; a
//! good build in the same workspace afterwards succeeds.

use crate::support::{
    App, Mirror, Workspace, archived_version, archives_dir, package_buildpack, test_inventory,
};

#[test]
#[ignore = "integration test"]
fn version_errors_then_a_good_build() {
    let python_313 = archived_version("3.13");
    let python_311 = archived_version("3.11");
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("python-version", &test_inventory());
    let env = [("BP_PYTHON_MIRROR_URL", mirror.url.as_str())];
    let app = App::from_fixture("flask_app", "python-version");
    let mut workspace = Workspace::new("python-version");

    app.write(".python-version", "3.13.x\n");
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("[Error: Invalid Python version in .python-version]")
        .assert_contains("The version '3.13.x' in .python-version isn't valid.");

    app.write(".python-version", "# pinned\n3.13\n3.11\n");
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("[Error: Invalid Python version in .python-version]")
        .assert_contains(".python-version names more than one version:\n  3.13\n  3.11\n");

    app.write(".python-version", "3.9\n");
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("[Error: The requested Python version has reached end-of-life]")
        .assert_contains("Python 3.9 (from .python-version) no longer gets security fixes");

    app.write(".python-version", "3.99\n");
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("[Error: The requested Python version isn't known]")
        .assert_contains(&format!("Python 3.99 (from .python-version) is newer than any version this buildpack\nknows; the newest it has is {python_313}."));

    app.write(".python-version", "3.13.999\n");
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("[Error: The requested Python version isn't available]")
        .assert_contains(&format!("Available versions: {python_313}, {python_311}"));

    app.write(".python-version", "3.13\n")
        .write("runtime.txt", "python-3.11.2\n");
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("[Error: runtime.txt and .python-version disagree]")
        .assert_contains(
            "runtime.txt asks for Python 3.11.2, but .python-version asks for\nPython 3.13.",
        );

    app.remove("runtime.txt").write(
        "pyproject.toml",
        "[project]\nname = \"x\"\nrequires-python = \"<3.12\"\n",
    );
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("[Error: Python version conflicts with requires-python]")
        .assert_contains(&format!(
            "Python {python_313} (from .python-version) doesn't satisfy requires-python = '<3.12'"
        ));

    // runtime.txt alone is accepted, with a deprecation warning; the build then succeeds.
    app.remove(".python-version")
        .remove("pyproject.toml")
        .write("runtime.txt", &format!("python-{python_313}\n"));
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("[Warning: runtime.txt is deprecated]")
        .assert_contains(&format!("Using Python {python_313} from runtime.txt"))
        .assert_contains(&format!("Installing Python {python_313}"));

    // requires-python alone picks the newest version it allows.
    app.remove("runtime.txt").write(
        "pyproject.toml",
        "[project]\nname = \"x\"\nrequires-python = \">=3.10,<3.12\"\n",
    );
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(&format!(
            "Using Python {python_311} from requires-python '>=3.10,<3.12' in pyproject.toml"
        ));
}

#[test]
#[ignore = "integration test"]
fn detect_fails_with_what_it_looked_for() {
    let buildpack = package_buildpack("detect", &test_inventory());
    let app = App::from_fixture("flask_app", "detect");
    for file in ["app.py", "requirements.txt", ".python-version", "Procfile"] {
        app.remove(file);
    }
    app.write("index.html", "<p>not python</p>");
    let build = Workspace::new("detect").build(&app, &buildpack, &[]);
    assert_eq!(build.code, 20, "{}", build.log);
    build
        .assert_contains("No Python project files found in the app's root directory.")
        .assert_contains("Looked for: requirements.txt, pyproject.toml, uv.lock");
}
