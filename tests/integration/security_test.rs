//! Security checks end to end: downloads are https-only (plain http only on loopback, as the
//! bed's mirror is), redirects may not leave https, archives without a checksum install only
//! with a warning (and are refused with `BP_REQUIRE_CHECKSUMS=true`), the platform's
//! `PYTHONPATH` doesn't reach the build's tools, and bad input files fail with clear errors.

use crate::support::{
    App, Mirror, Workspace, archived_version, archives_dir, package_buildpack, test_inventory,
};

#[test]
#[ignore = "integration test"]
fn downloads_are_https_only_except_on_loopback() {
    let python = archived_version("3.13");
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("security-https", &test_inventory());
    let app = App::from_fixture("flask_app", "security-https");
    let mut workspace = Workspace::new("security-https");
    let archive = format!("python-{python}-debian-12-amd64.tar.zst");

    // Plain http to a host that isn't loopback: refused before connecting, never retried, and
    // the credentials in the URL aren't shown.
    workspace
        .build(
            &app,
            &buildpack,
            &[(
                "BP_PYTHON_MIRROR_URL",
                "http://user:s3cret@mirror.example.invalid/python",
            )],
        )
        .assert_failure()
        .assert_contains(&format!("[Error: Refused to download Python {python}]"))
        .assert_contains(&format!(
            "The download URL http://***@mirror.example.invalid/python/{archive} was refused: it uses plain http"
        ))
        .assert_contains("If you set BP_PYTHON_MIRROR_URL, give it an https:// URL.")
        .assert_not_contains("s3cret")
        .assert_not_contains("Download attempt 1 of 3 failed");

    // The loopback mirror redirects to plain http on another host: refused.
    workspace
        .build(
            &app,
            &buildpack,
            &[(
                "BP_PYTHON_MIRROR_URL",
                &format!("{}/redirect-to-http", mirror.url),
            )],
        )
        .assert_failure()
        .assert_contains(&format!("[Error: Refused to download Python {python}]"))
        .assert_contains(&format!(
            "The download URL http://example.invalid/{archive} was refused: it uses plain http"
        ))
        .assert_not_contains("Download attempt 1 of 3 failed");

    // A redirect that stays on the loopback mirror is followed.
    workspace
        .build(
            &app,
            &buildpack,
            &[("BP_PYTHON_MIRROR_URL", &format!("{}/redirect", mirror.url))],
        )
        .assert_success()
        .assert_contains(&format!(
            "Installing Python {python} from {}/redirect/{archive}",
            mirror.url
        ))
        .assert_not_contains("[Warning: Installing an unverified Python archive]");
}

#[test]
#[ignore = "integration test"]
fn unverified_archives_platform_env_and_bad_inputs() {
    let python = archived_version("3.13");
    let mirror = Mirror::start(&archives_dir());
    let without_checksums = test_inventory()
        .lines()
        .filter(|line| !line.starts_with("sha256 = "))
        .collect::<Vec<_>>()
        .join("\n");
    let buildpack = package_buildpack("security-unverified", &without_checksums);
    let app = App::from_fixture("flask_app", "security-unverified");
    let mut workspace = Workspace::new("security-unverified");
    let archive_url = format!("{}/python-{python}-debian-12-amd64.tar.zst", mirror.url);
    let procfile = std::fs::read_to_string(app.dir.join("Procfile")).unwrap();
    // A leading UTF-8 BOM (Windows editors) is ignored.
    app.write(".python-version", "\u{feff}3.13\n")
        .write("Procfile", &format!("\u{feff}{procfile}"));
    // A sitecustomize on the platform's PYTHONPATH would run in every Python the build starts.
    std::fs::create_dir_all(app.dir.join("evil")).unwrap();
    app.write(
        "evil/sitecustomize.py",
        "import sys\nprint('PLATFORM PYTHONPATH WAS USED', file=sys.stderr)\n",
    );
    let evil = workspace.dir.join("app/evil");
    let mirror_env = ("BP_PYTHON_MIRROR_URL", mirror.url.as_str());

    workspace
        .build(
            &app,
            &buildpack,
            &[mirror_env, ("PYTHONPATH", evil.to_str().unwrap())],
        )
        .assert_success()
        .assert_contains("[Warning: Installing an unverified Python archive]")
        .assert_contains(&format!(
            "The buildpack's inventory has no sha256 for {archive_url}, so its integrity can't be checked"
        ))
        .assert_contains("[Warning: Ignoring environment variables]")
        .assert_contains("PYTHONPATH set for the build")
        .assert_not_contains("PLATFORM PYTHONPATH WAS USED")
        .assert_contains(&format!("Using Python {python} from .python-version"))
        .assert_contains("From Procfile: web");

    // Refused with BP_REQUIRE_CHECKSUMS=true, even with the runtime in the cache.
    workspace
        .build(
            &app,
            &buildpack,
            &[mirror_env, ("BP_REQUIRE_CHECKSUMS", "true")],
        )
        .assert_failure()
        .assert_contains(&format!(
            "[Error: Refused to install an unverified Python {python}]"
        ))
        .assert_contains(&format!("for {archive_url}, so its integrity"));

    // A process type defined twice.
    app.write(
        "Procfile",
        "web: gunicorn app:app\nworker: python w.py\nweb: python app.py\n",
    );
    workspace
        .build(&app, &buildpack, &[mirror_env])
        .assert_failure()
        .assert_contains("[Error: Invalid Procfile]")
        .assert_contains(
            "The Procfile defines the process type 'web' twice: on line 1 and on\nline 3.",
        );
    app.write("Procfile", &procfile);

    // A range that made node-semver panic (exit 101) is a clear error.
    app.write("package.json", r#"{"engines": {"node": "=x"}}"#);
    workspace
        .build(&app, &buildpack, &[mirror_env, ("BP_NODE_TOOLS", "true")])
        .assert_failure()
        .assert_contains("[Error: Invalid Node.js version in package.json engines.node]")
        .assert_contains("'=x' (from package.json engines.node) isn't a Node.js version")
        .assert_not_contains("panicked");
}
