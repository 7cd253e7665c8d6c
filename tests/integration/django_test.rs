//! A Django app with no Procfile gets a default `web` process running gunicorn.

use crate::support::{
    App, Mirror, Workspace, archived_version, archives_dir, free_port, http_get, package_buildpack,
    test_inventory,
};

#[test]
#[ignore = "integration test"]
fn django_app_gets_default_gunicorn_web_process() {
    let python = archived_version("3.11");
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("django", &test_inventory());
    let app = App::from_fixture("django_app", "django");
    let mut workspace = Workspace::new("django");

    workspace
        .build(&app, &buildpack, &[("BP_PYTHON_MIRROR_URL", &mirror.url)])
        .assert_success()
        .assert_contains(&format!("Using Python {python} from .python-version"))
        .assert_contains("No Procfile; Django with gunicorn found, so the default 'web' process runs 'gunicorn mysite.wsgi' on $PORT")
        .assert_contains("Skipping collectstatic: 'django.contrib.staticfiles' isn't in INSTALLED_APPS.")
        .assert_contains("Setting default process type 'web'");

    let port = free_port();
    let web = workspace.start_web(port);
    let (status, body) = http_get(port, "/");
    let log = web.stop();
    assert_eq!(status, 200, "{body}\n{log}");
    assert_eq!(
        body,
        format!("Hello from Django 5.2.19 on Python {python}\n")
    );
}
