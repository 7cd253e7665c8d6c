//! A virtualenv committed with the app (here a broken one, made on another machine) is named in
//! a warning and never used: the build succeeds and the app runs in the buildpack's venv.

use crate::support::{App, Mirror, Workspace, archives_dir, package_buildpack, test_inventory};
use std::os::unix::fs::symlink;

/// Writes a venv in `app/<name>` whose interpreter doesn't exist: `pyvenv.cfg` names a missing
/// home, `bin/python` is a dangling link, `bin/gunicorn` has a dead shebang, and its
/// site-packages holds a `flask` that fails on import.
fn commit_broken_venv(app: &App, name: &str) {
    let venv = app.dir.join(name);
    std::fs::create_dir_all(venv.join("bin")).unwrap();
    std::fs::create_dir_all(venv.join("lib/python3.9/site-packages/flask")).unwrap();
    std::fs::write(
        venv.join("pyvenv.cfg"),
        "home = /nonexistent/python3.9/bin\ninclude-system-site-packages = false\nversion = 3.9.0\n",
    )
    .unwrap();
    symlink(
        "/nonexistent/python3.9/bin/python3.9",
        venv.join("bin/python"),
    )
    .unwrap();
    symlink("python", venv.join("bin/python3")).unwrap();
    std::fs::write(
        venv.join("bin/gunicorn"),
        "#!/nonexistent/python3.9/bin/python3.9\nraise SystemExit('committed venv used')\n",
    )
    .unwrap();
    std::fs::write(
        venv.join("lib/python3.9/site-packages/flask/__init__.py"),
        "raise ImportError('the committed venv was used')\n",
    )
    .unwrap();
    std::fs::write(
        venv.join("bin/activate"),
        format!("VIRTUAL_ENV=/home/someone/app/{name}\nexport VIRTUAL_ENV\n"),
    )
    .unwrap();
}

#[test]
#[ignore = "integration test"]
fn broken_committed_venv_is_ignored_with_a_warning() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("committed-venv", &test_inventory());
    let env = [("BP_PYTHON_MIRROR_URL", mirror.url.as_str())];
    let app = App::from_fixture("flask_app", "committed-venv");
    commit_broken_venv(&app, ".venv");
    commit_broken_venv(&app, "venv");
    let mut workspace = Workspace::new("committed-venv");

    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("A committed virtual environment is ignored")
        .assert_contains(
            "The app contains a virtual environment (pyvenv.cfg found): .venv/, venv/.",
        )
        .assert_contains("add '.venv/' to .gitignore")
        .assert_contains("exclude = [\".venv/\"]")
        .assert_contains("Running 'pip install -r requirements.txt'");

    let venv = workspace.dir.join("layers/assetpack_python/venv");
    let json: serde_json::Value = serde_json::from_str(&workspace.get_from_web("/")).unwrap();
    assert_eq!(json["prefix"], venv.to_str().unwrap());
    assert_eq!(json["virtual_env"], venv.to_str().unwrap());

    let output = workspace.run_in_image(
        "echo \"$VIRTUAL_ENV\"; command -v python; command -v gunicorn; python -c 'import flask; print(flask.__file__)'",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(lines[0], venv.to_str().unwrap());
    assert_eq!(lines[1], venv.join("bin/python").to_str().unwrap());
    assert_eq!(lines[2], venv.join("bin/gunicorn").to_str().unwrap());
    assert!(lines[3].starts_with(venv.to_str().unwrap()), "{stdout}");

    // The committed venv is the user's: it stays in the app, untouched.
    let committed = workspace.dir.join("app/.venv");
    assert_eq!(
        std::fs::read_link(committed.join("bin/python")).unwrap(),
        std::path::Path::new("/nonexistent/python3.9/bin/python3.9")
    );

    // Without it, the warning is gone.
    std::fs::remove_dir_all(app.dir.join(".venv")).unwrap();
    std::fs::remove_dir_all(app.dir.join("venv")).unwrap();
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_not_contains("A committed virtual environment");
}

/// uv and Pipenv both look for a `.venv` in the project by default; neither may use a committed
/// one.
#[test]
#[ignore = "integration test"]
fn broken_committed_venv_is_ignored_by_uv_and_pipenv() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("committed-venv-tools", &test_inventory());
    let env = [("BP_PYTHON_MIRROR_URL", mirror.url.as_str())];
    for (fixture, tool) in [("uv_app", "uv sync"), ("pipenv_app", "pipenv install")] {
        let name = format!("committed-venv-{fixture}");
        let app = App::from_fixture(fixture, &name);
        commit_broken_venv(&app, ".venv");
        let mut workspace = Workspace::new(&name);
        workspace
            .build(&app, &buildpack, &env)
            .assert_success()
            .assert_contains("A committed virtual environment is ignored")
            .assert_contains(&format!("Running '{tool}"));
        let venv = workspace.dir.join("layers/assetpack_python/venv");
        let json: serde_json::Value = serde_json::from_str(&workspace.get_from_web("/")).unwrap();
        assert_eq!(json["prefix"], venv.to_str().unwrap(), "{fixture}");
        // Nothing was installed into the committed venv.
        let committed = workspace.dir.join("app/.venv/lib");
        let entries: Vec<_> = std::fs::read_dir(&committed)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(entries, ["python3.9"], "{fixture}");
    }
}
