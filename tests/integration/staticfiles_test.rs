//! Django static files: collectstatic --link into the staticfiles layer, served by a real
//! WhiteNoise behind a real gunicorn; rebuilds that skip or update incrementally; storages;
//! skips and errors.

use crate::support::{
    App, Mirror, Workspace, archives_dir, fetch, free_port, http_get, package_buildpack,
    test_inventory,
};
use std::path::Path;

const SITE_CSS: &str = "shop/static/shop/css/site.css";

/// The URL `{% static path %}` gives on the running app.
fn static_url(port: u16, path: &str) -> String {
    let (status, body) = http_get(port, &format!("/static-url?path={path}"));
    assert_eq!(status, 200, "{body}");
    body.trim().to_string()
}

/// Rewrites a file without changing its mtime (the lifecycle normalises mtimes anyway; this
/// proves the buildpack never relies on them).
fn rewrite_keeping_mtime(file: &Path, contents: &str) {
    let mtime = std::fs::metadata(file).unwrap().modified().unwrap();
    std::fs::write(file, contents).unwrap();
    std::fs::File::options()
        .write(true)
        .open(file)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(std::fs::metadata(file).unwrap().modified().unwrap(), mtime);
}

#[test]
#[ignore = "integration test"]
fn whitenoise_serves_collected_assets_and_rebuilds_skip_or_update() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("static-whitenoise", &test_inventory());
    let env = [("BP_PYTHON_MIRROR_URL", mirror.url.as_str())];
    let app = App::from_fixture("django_static_app", "static-whitenoise");
    let mut workspace = Workspace::new("static-whitenoise");

    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("storage whitenoise.storage.CompressedManifestStaticFilesStorage writes to the local filesystem")
        .assert_contains("Running 'python manage.py collectstatic --noinput --link'")
        .assert_contains("Static files ready (took ");
    let static_sha = workspace
        .layer_sha("staticfiles")
        .expect("staticfiles layer in the image");

    // A hashed asset is served with the right bytes, and compressed when asked.
    let port = free_port();
    let web = workspace.start_web(port);
    let js_url = static_url(port, "shop/js/app.js");
    assert!(
        js_url.starts_with("/static/shop/js/app.") && js_url != "/static/shop/js/app.js",
        "{js_url}"
    );
    let plain = fetch(port, &js_url, "identity");
    assert_eq!(plain.status, 200);
    assert_eq!(
        plain.body,
        std::fs::read(app.dir.join("shop/static/shop/js/app.js")).unwrap()
    );
    assert_eq!(
        fetch(port, &js_url, "br")
            .header("content-encoding")
            .as_deref(),
        Some("br")
    );
    assert_eq!(
        fetch(port, &js_url, "gzip")
            .header("content-encoding")
            .as_deref(),
        Some("gzip")
    );
    let old_css_url = static_url(port, "shop/css/site.css");
    let extra_css_url = static_url(port, "shop/css/extra.css");
    assert_eq!(fetch(port, &extra_css_url, "identity").status, 200);
    drop(web);

    // No change: collectstatic doesn't run and the layer digest stays the same.
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("skipping collectstatic and reusing the staticfiles layer")
        .assert_not_contains("Running 'python manage.py collectstatic")
        .assert_contains("Reusing layer 'assetpack/python:staticfiles'");
    assert_eq!(workspace.layer_sha("staticfiles").unwrap(), static_sha);

    // A Python-only change: the same.
    let views = app.dir.join("shop/views.py");
    let code = std::fs::read_to_string(&views).unwrap();
    app.write("shop/views.py", &format!("{code}\n# a code-only change\n"));
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("skipping collectstatic and reusing the staticfiles layer")
        .assert_not_contains("Running 'python manage.py collectstatic");
    assert_eq!(workspace.layer_sha("staticfiles").unwrap(), static_sha);

    // One CSS file edited (mtime unchanged) and one deleted: the new bytes are served, the
    // deleted asset and the old hashed name are gone.
    let css = std::fs::read_to_string(app.dir.join(SITE_CSS)).unwrap();
    rewrite_keeping_mtime(
        &app.dir.join(SITE_CSS),
        &format!("{css}\n.marker-v2 {{ color: red; }}\n"),
    );
    app.remove("shop/static/shop/css/extra.css");
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(
            "Static inputs changed since the last build (1 changed, 0 added, 1 removed)",
        )
        .assert_contains("Running 'python manage.py collectstatic --noinput --link'")
        .assert_contains("compressed files (.br/.gz) from the previous build");
    assert_ne!(workspace.layer_sha("staticfiles").unwrap(), static_sha);

    let port = free_port();
    let web = workspace.start_web(port);
    let new_css_url = static_url(port, "shop/css/site.css");
    assert_ne!(new_css_url, old_css_url);
    let new_css = fetch(port, &new_css_url, "identity");
    assert_eq!(new_css.status, 200);
    assert!(String::from_utf8_lossy(&new_css.body).contains(".marker-v2"));
    assert_eq!(
        fetch(port, &old_css_url, "identity").status,
        404,
        "the old hashed name is pruned"
    );
    assert_eq!(
        fetch(port, &extra_css_url, "identity").status,
        404,
        "a deleted asset is gone"
    );
    assert_eq!(
        fetch(port, "/static/shop/css/extra.css", "identity").status,
        404
    );
    drop(web);
}

#[test]
#[ignore = "integration test"]
fn storages_link_dedupe_and_serve() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("static-storages", &test_inventory());
    let app = App::from_fixture("django_static_app", "static-storages");
    let mut workspace = Workspace::new("static-storages");
    let layer_root = workspace
        .dir
        .join("layers/assetpack_python/staticfiles/static_root");
    let logo = std::fs::read(app.dir.join("shop/static/shop/img/logo.png")).unwrap();
    let app_js = std::fs::read(app.dir.join("shop/static/shop/js/app.js")).unwrap();

    for (backend, keep_only_hashed, hashed) in [
        ("static", "0", false),
        ("manifest", "0", true),
        ("whitenoise", "0", true),
        ("whitenoise-plain", "0", false),
    ] {
        let env = [
            ("BP_PYTHON_MIRROR_URL", mirror.url.as_str()),
            ("STATIC_BACKEND", backend),
            ("KEEP_ONLY_HASHED", keep_only_hashed),
        ];
        let build = workspace.build(&app, &buildpack, &env);
        build
            .assert_success()
            .assert_contains("collectstatic links into the staticfiles layer ('--link')");
        if hashed {
            build.assert_contains("hashed copies identical to their source with links");
        }

        let port = free_port();
        let web = workspace.start_web_with_env(port, &env[1..]);
        for (path, bytes) in [("shop/img/logo.png", &logo), ("shop/js/app.js", &app_js)] {
            let url = static_url(port, path);
            assert_eq!(url != format!("/static/{path}"), hashed, "{backend}: {url}");
            let response = fetch(port, &url, "identity");
            assert_eq!(response.status, 200, "{backend}: {url}");
            assert_eq!(&response.body, bytes, "{backend}: {url}");
        }
        let logo_url = static_url(port, "shop/img/logo.png");
        let logo_response = fetch(port, &logo_url, "identity");
        assert_eq!(
            logo_response.header("content-type").as_deref(),
            Some("image/png")
        );
        if hashed {
            let cache_control = logo_response.header("cache-control").unwrap_or_default();
            assert!(
                cache_control.contains("immutable") || cache_control.contains("max-age"),
                "{cache_control}"
            );
        }
        drop(web);

        // In the image, originals are links to their sources, and identical hashed copies are
        // links too: no static bytes are stored twice.
        let hashed_logo = logo_url.trim_start_matches("/static/");
        let output = workspace.run_in_image(&format!(
            "cd {root} && test -L shop/img/logo.png && echo original-linked; \
             test {hashed_logo} != shop/img/logo.png && test -L {hashed_logo} && echo hashed-linked; \
             echo regular-files=$(find . -type f ! -name '*.gz' ! -name '*.br' ! -name '*.json' | wc -l)",
            root = layer_root.display()
        ));
        assert!(output.status.success(), "{backend}: {output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("original-linked"), "{backend}: {stdout}");
        assert_eq!(
            stdout.contains("hashed-linked"),
            hashed,
            "{backend}: a hashed copy is a link exactly when there is one: {stdout}"
        );
        // Plain storages store no file of their own; hashed ones only the rewritten CSS (its
        // url()s point at hashed names), never a copy of an unchanged source.
        let regular: usize = stdout
            .split("regular-files=")
            .nth(1)
            .and_then(|rest| rest.trim().parse().ok())
            .unwrap();
        let rewritten_css = if hashed { 2 } else { 0 };
        assert!(
            regular <= rewritten_css,
            "{backend}: {regular} regular files in the layer: {stdout}"
        );
    }
}

#[test]
#[ignore = "integration test"]
fn legacy_staticfiles_storage_setting() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("static-legacy", &test_inventory());
    let app = App::from_fixture("django_legacy_static", "static-legacy");
    let mut workspace = Workspace::new("static-legacy");
    workspace
        .build(&app, &buildpack, &[("BP_PYTHON_MIRROR_URL", &mirror.url)])
        .assert_success()
        .assert_contains("storage django.contrib.staticfiles.storage.ManifestStaticFilesStorage writes to the local filesystem")
        .assert_contains("Running 'python manage.py collectstatic --noinput --link'");
    let port = free_port();
    let web = workspace.start_web(port);
    let (status, url) = http_get(port, "/static-url?path=pages/css/style.css");
    assert_eq!(status, 200);
    let url = url.trim();
    assert!(
        url.starts_with("/static/pages/css/style.")
            && Path::new(url).extension().is_some_and(|ext| ext == "css"),
        "{url}"
    );
    assert_eq!(fetch(port, url, "identity").status, 200);
    drop(web);
}

#[test]
#[ignore = "integration test"]
fn remote_storage_copies_without_links() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("static-remote", &test_inventory());
    let app = App::from_fixture("django_remote_storage", "static-remote");
    let mut workspace = Workspace::new("static-remote");
    workspace
        .build(&app, &buildpack, &[("BP_PYTHON_MIRROR_URL", &mirror.url)])
        .assert_success()
        .assert_contains(
            "doesn't write to the local filesystem, so collectstatic copies instead of linking",
        )
        .assert_contains("Running 'python manage.py collectstatic --noinput'")
        .assert_not_contains("collectstatic --noinput --link");
    let bucket = workspace.dir.join("app/fake-bucket");
    let output = workspace.run_in_image(&format!(
        "echo files=$(find {b} -type f | wc -l) links=$(find {b} -type l | wc -l)",
        b = bucket.display()
    ));
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let files: usize = stdout
        .split("files=")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(files >= 2, "{stdout}");
    assert!(stdout.contains("links=0"), "{stdout}");
}

#[test]
#[ignore = "integration test"]
fn skips_and_errors() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("static-errors", &test_inventory());
    let app = App::from_fixture("django_static_app", "static-errors");
    let mut workspace = Workspace::new("static-errors");
    let with = |extra: (&'static str, &'static str)| {
        [
            ("BP_PYTHON_MIRROR_URL", mirror.url.clone()),
            (extra.0, extra.1.to_string()),
        ]
    };
    let build = |workspace: &mut Workspace, env: &[(&str, String); 2]| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        workspace.build(&app, &buildpack, &env)
    };

    build(&mut workspace, &with(("BP_DISABLE_COLLECTSTATIC", "true")))
        .assert_success()
        .assert_contains("Skipping collectstatic: BP_DISABLE_COLLECTSTATIC is set.")
        .assert_not_contains("Running 'python manage.py collectstatic");

    build(&mut workspace, &with(("DISABLE_COLLECTSTATIC", "1")))
        .assert_success()
        .assert_contains("Skipping collectstatic: DISABLE_COLLECTSTATIC is set.")
        .assert_contains("use BP_DISABLE_COLLECTSTATIC=true instead");

    build(&mut workspace, &with(("UNSET_STATIC_ROOT", "1")))
        .assert_failure()
        .assert_contains("[Error: STATIC_ROOT isn't set]")
        .assert_contains("STATIC_ROOT = BASE_DIR / \"staticfiles\"");

    build(&mut workspace, &with(("BREAK_SETTINGS", "1")))
        .assert_failure()
        .assert_contains("[Error: Unable to inspect the Django configuration]")
        .assert_contains("Traceback (most recent call last):")
        .assert_contains("ImproperlyConfigured: DATABASE_URL must be set (BREAK_SETTINGS=1)")
        .assert_contains("set BP_DISABLE_COLLECTSTATIC=true");

    // A good build afterwards succeeds.
    build(&mut workspace, &with(("STATIC_BACKEND", "whitenoise")))
        .assert_success()
        .assert_contains("Static files ready (took ");
}
