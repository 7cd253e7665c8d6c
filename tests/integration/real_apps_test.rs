//! Django apps shaped like real ones (`test-fixtures/django_real_app`: a src/ layout, a
//! front-end package vendored from node_modules, settings with functions and classes), and the
//! patterns real apps bring: a `bin/post_compile` that runs collectstatic again, a build that
//! writes into STATIC_ROOT, uWSGI's static-map, static file names that aren't UTF-8.
//! Every successful build here also checks that every symlink in the image resolves inside it
//! (`Workspace::build`).

use std::os::unix::ffi::OsStrExt;

use crate::support::{
    App, Mirror, Workspace, archives_dir, fetch, free_port, http_get, node_archives_dir,
    package_buildpack, test_inventory,
};

const MANAGE_PY: (&str, &str) = ("BP_DJANGO_MANAGE_PY", "src/manage.py");

/// The URL `{% static path %}` gives on the running app.
fn static_url(port: u16, path: &str) -> String {
    let (status, body) = http_get(port, &format!("/static-url?path={path}"));
    assert_eq!(status, 200, "{body}");
    body.trim().to_string()
}

#[test]
#[ignore = "integration test"]
fn vendored_npm_package_is_served_and_the_static_cache_holds() {
    let mirror = Mirror::start(&archives_dir());
    let node_mirror = Mirror::start(&node_archives_dir());
    let buildpack = package_buildpack("real-app", &test_inventory());
    let app = App::from_fixture("django_real_app", "real-app");
    let mut workspace = Workspace::new("real-app");
    let mirror_env = ("BP_PYTHON_MIRROR_URL", mirror.url.as_str());
    let node_env = ("BP_NODE_MIRROR_URL", node_mirror.url.as_str());

    // manage.py in src/: collectstatic is skipped, and the log says how to point at it.
    workspace
        .build(&app, &buildpack, &[mirror_env, node_env])
        .assert_success()
        .assert_contains(
            "Skipping collectstatic: there is no manage.py in the app's root directory, but there \
             is src/manage.py.\nTo collect static files with it, set BP_DJANGO_MANAGE_PY=src/manage.py",
        );

    // With BP_DJANGO_MANAGE_PY, files from node_modules (build-only) are copied, the rest linked.
    let env = [mirror_env, node_env, MANAGE_PY];
    let build = workspace.build(&app, &buildpack, &env);
    build
        .assert_success()
        .assert_contains("Using src/manage.py (BP_DJANGO_MANAGE_PY)")
        .assert_contains("Running 'python manage.py collectstatic --noinput --link'")
        .assert_contains(
            "Copied 5 static files instead of linking them: their sources aren't in the launch image",
        )
        .assert_contains("/node_modules/normalize.css/");
    let static_sha = workspace.layer_sha("staticfiles").unwrap();

    // The app boots (WhiteNoise reads every file at start-up) and serves the vendored files.
    let port = free_port();
    let web = workspace.start_web(port);
    for path in [
        "vendor/normalize.css",
        "vendor/README.md",
        "dist/app.js",
        "src/app.js",
    ] {
        let url = static_url(port, path);
        assert_ne!(url, format!("/static/{path}"), "hashed name for {path}");
        let response = fetch(port, &url, "identity");
        assert_eq!(response.status, 200, "{url}");
        assert_eq!(
            response.header("x-served-by").as_deref(),
            Some("whitenoise")
        );
        if path == "vendor/normalize.css" {
            let body = String::from_utf8_lossy(&response.body).into_owned();
            assert!(body.contains("normalize.css v8.0.1"), "{body}");
            // The build-only layer isn't in the image: what is served is the copy.
            assert!(
                !workspace
                    .dir
                    .join("layers/assetpack_python/node-deps")
                    .exists(),
                "node-deps must not be in the launch image"
            );
        }
        assert_eq!(
            fetch(port, &url, "br")
                .header("content-encoding")
                .as_deref(),
            Some("br"),
            "{url}"
        );
    }
    let admin_css = static_url(port, "admin/css/base.css");
    assert_eq!(fetch(port, &admin_css, "identity").status, 200);
    drop(web);
    let in_image = workspace.run_in_image(
        "cd staticfiles && test ! -L vendor/normalize.css && test -f vendor/normalize.css \
         && test -L admin/css/base.css && echo copied-and-linked",
    );
    assert!(in_image.status.success(), "{in_image:?}");
    assert_eq!(
        String::from_utf8_lossy(&in_image.stdout).trim(),
        "copied-and-linked"
    );

    // No change, and function-valued WhiteNoise settings: collectstatic is skipped.
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("skipping collectstatic and reusing the staticfiles layer")
        .assert_not_contains("Running 'python manage.py collectstatic")
        .assert_not_contains("Left out of the static files cache key");
    assert_eq!(workspace.layer_sha("staticfiles").unwrap(), static_sha);

    // An unrelated package added: the venv is reinstalled, the static files are not.
    let requirements = std::fs::read_to_string(app.dir.join("requirements.txt")).unwrap();
    app.write("requirements.txt", &format!("{requirements}six==1.17.0\n"));
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("Discarding cached virtual environment")
        .assert_contains("skipping collectstatic and reusing the staticfiles layer")
        .assert_not_contains("Running 'python manage.py collectstatic");
    assert_eq!(workspace.layer_sha("staticfiles").unwrap(), static_sha);

    // A setting that shapes the output changed: the log names it, before and after.
    workspace
        .build(
            &app,
            &buildpack,
            &[mirror_env, node_env, MANAGE_PY, ("STATIC_MAX_AGE", "120")],
        )
        .assert_success()
        .assert_contains(
            "Discarding the cached static files since:\n - The setting WHITENOISE_MAX_AGE has changed from 60 to 120",
        )
        .assert_contains("Running 'python manage.py collectstatic --noinput --link'");
}

#[test]
#[ignore = "integration test"]
fn what_collectstatic_may_touch() {
    let mirror = Mirror::start(&archives_dir());
    let node_mirror = Mirror::start(&node_archives_dir());
    let buildpack = package_buildpack("real-app-hooks", &test_inventory());
    let app = App::from_fixture("django_real_app", "real-app-hooks");
    let mut workspace = Workspace::new("real-app-hooks");
    let env = [
        ("BP_PYTHON_MIRROR_URL", mirror.url.as_str()),
        ("BP_NODE_MIRROR_URL", node_mirror.url.as_str()),
        MANAGE_PY,
    ];

    // A build script that writes into STATIC_ROOT: an error naming the files, nothing deleted.
    workspace
        .build(
            &app,
            &buildpack,
            &[env[0], env[1], env[2], ("BUILD_INTO_STATIC_ROOT", "1")],
        )
        .assert_failure()
        .assert_contains("[Error: STATIC_ROOT already holds files]")
        .assert_contains("STATIC_ROOT (staticfiles) holds 1 files before collectstatic runs:\n  staticfiles/dist/app.js")
        .assert_contains("have the build write into a directory listed in STATICFILES_DIRS");

    // A template's bin/post_compile that runs collectstatic again: a warning, and the next
    // build doesn't trust the layer the hook changed.
    std::fs::create_dir_all(app.dir.join("bin")).unwrap();
    app.write(
        "bin/post_compile",
        "#!/usr/bin/env bash\nset -euo pipefail\ncd src\npython manage.py collectstatic --noinput\n",
    );
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("bin/post_compile runs collectstatic again")
        .assert_contains("Remove the collectstatic line from bin/post_compile");
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(
            "The collected files were changed after the buildpack collected them (e.g. a \
             bin/post_compile hook ran collectstatic again), so they can't be trusted",
        )
        .assert_contains("Running 'python manage.py collectstatic --noinput --link'");

    // Without the hook, the layer is trusted again from the build after next.
    app.remove("bin/post_compile");
    workspace.build(&app, &buildpack, &env).assert_success();
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("skipping collectstatic and reusing the staticfiles layer");

    // A static file whose name isn't UTF-8 is collected and served.
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    std::fs::create_dir_all(app.dir.join("assets/dist")).unwrap();
    std::fs::write(app.dir.join("assets/dist").join(name), "latin-1 name\n").unwrap();
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(
            "Static inputs changed since the last build (0 changed, 1 added, 0 removed)",
        );
    let listed = workspace.run_in_image("ls staticfiles/dist/ | od -An -c | tr -d ' \\n'");
    assert!(listed.status.success(), "{listed:?}");
    let listing = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listing.contains("caf351.txt"),
        "the non-UTF-8 name is collected: {listing}"
    );
}

#[test]
#[ignore = "integration test"]
fn uwsgi_static_map_serves_copies_or_allowed_links() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("static-uwsgi", &test_inventory());
    let app = App::from_fixture("django_static_app", "static-uwsgi");
    let requirements = std::fs::read_to_string(app.dir.join("requirements.txt")).unwrap();
    app.write(
        "requirements.txt",
        &format!("{requirements}pyuwsgi==2.0.30\n"),
    )
    .write("Procfile", "web: uwsgi --ini uwsgi.ini\n")
    .write(
        "uwsgi.ini",
        "[uwsgi]\nhttp-socket = :$(PORT)\nchdir = %d\nmodule = mysite.wsgi:application\n\
             master = true\nprocesses = 1\nstatic-map = /static=%d/staticfiles\n",
    );
    let mut workspace = Workspace::new("static-uwsgi");
    let runtime = [("STATIC_BACKEND", "manifest"), ("NO_WHITENOISE", "1")];
    let logo = std::fs::read(app.dir.join("shop/static/shop/img/logo.png")).unwrap();
    let serve = |workspace: &Workspace| {
        let port = free_port();
        let web = workspace.start_web_with_env(port, &runtime);
        let url = static_url(port, "shop/img/logo.png");
        let response = fetch(port, &url, "identity");
        (response.status, response.body == logo, web.stop())
    };
    let mirror_env = ("BP_PYTHON_MIRROR_URL", mirror.url.as_str());

    // Links (the default): a hint, and uWSGI refuses the linked file.
    workspace
        .build(&app, &buildpack, &[mirror_env, runtime[0]])
        .assert_success()
        .assert_contains("uWSGI serves STATIC_ROOT")
        .assert_contains("uwsgi.ini maps STATIC_ROOT with static-map")
        .assert_contains("Set BP_COLLECTSTATIC_LINK=false to collect copies instead");
    let (status, served, log) = serve(&workspace);
    assert!(
        !served,
        "uWSGI served a link out of its document root ({status})\n{log}"
    );
    assert!(log.contains("security error"), "{log}");

    // Copies: served, and the layer holds no links.
    workspace
        .build(
            &app,
            &buildpack,
            &[mirror_env, runtime[0], ("BP_COLLECTSTATIC_LINK", "false")],
        )
        .assert_success()
        .assert_contains("The collect mode has changed from link to copy (BP_COLLECTSTATIC_LINK)")
        .assert_contains("Running 'python manage.py collectstatic --noinput'")
        .assert_not_contains("uWSGI serves STATIC_ROOT");
    let (status, served, log) = serve(&workspace);
    assert!(served, "copy mode: {status}\n{log}");
    let links = workspace.run_in_image("find staticfiles/ -type l | wc -l");
    assert!(links.status.success(), "{links:?}");
    assert_eq!(String::from_utf8_lossy(&links.stdout).trim(), "0");

    // Links with the sources allowed by static-safe: served too.
    let app_dir = workspace.dir.join("app");
    let layers_dir = workspace.dir.join("layers");
    let ini = std::fs::read_to_string(app.dir.join("uwsgi.ini")).unwrap();
    app.write(
        "uwsgi.ini",
        &format!(
            "{ini}static-safe = {}\nstatic-safe = {}\n",
            app_dir.display(),
            layers_dir.display()
        ),
    );
    workspace
        .build(&app, &buildpack, &[mirror_env, runtime[0]])
        .assert_success();
    let (status, served, log) = serve(&workspace);
    assert!(served, "link mode with static-safe: {status}\n{log}");
}
