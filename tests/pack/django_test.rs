//! Django static files and Node.js asset builds through pack: what the container serves, what
//! the image holds (no dangling links, no Node.js), and what a no-op rebuild reuses.

use crate::pack_support::{
    BuildOptions, Container, Mirrors, Tier, pack_build, run_in_image, say, wait_for,
};
use crate::support::{App, fetch, http_get};
use std::time::Duration;

/// The URL `{% static path %}` gives on the running app.
fn static_url(container: &Container, path: &str) -> String {
    let (status, body) = wait_for(Duration::from_mins(1), || {
        std::panic::catch_unwind(|| http_get(container.port, &format!("/static-url?path={path}")))
            .ok()
    })
    .unwrap_or_else(|| panic!("the app didn't answer; logs:\n{}", container.logs()));
    assert_eq!(status, 200, "{body}\n{}", container.logs());
    body.trim().to_string()
}

/// Symlinks under /workspace and /layers whose target doesn't exist, inside the container.
fn dangling_links(container: &Container) -> String {
    let output = container.exec("find /workspace /layers -xtype l -printf '%p -> %l\\n'");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
#[ignore = "pack tier"]
fn django_static_files_are_served_compressed_from_the_container() {
    let tier = Tier::get();
    let mirrors = Mirrors::start();
    let app = App::from_fixture("django_static_app", "pack-django");
    let mut options = BuildOptions::trusted(tier.value("builder"), mirrors.env());
    options.clear_cache = true;

    let cold = pack_build("assetpack-pack-django", &app, &options);
    cold.assert_success()
        .assert_contains("Running 'python manage.py collectstatic --noinput --link'")
        .assert_contains("Adding layer 'assetpack/python:staticfiles'");

    let container = Container::start("assetpack-pack-django");
    let js_url = static_url(&container, "shop/js/app.js");
    assert!(
        js_url.starts_with("/static/shop/js/app.") && js_url != "/static/shop/js/app.js",
        "{js_url}"
    );
    let plain = fetch(container.port, &js_url, "identity");
    assert_eq!(plain.status, 200);
    assert_eq!(
        plain.body,
        std::fs::read(app.dir.join("shop/static/shop/js/app.js")).unwrap()
    );
    for encoding in ["br", "gzip"] {
        let compressed = fetch(container.port, &js_url, encoding);
        assert_eq!(compressed.status, 200);
        assert_eq!(
            compressed.header("content-encoding").as_deref(),
            Some(encoding)
        );
    }
    let dangling = dangling_links(&container);
    assert!(dangling.is_empty(), "dangling symlinks:\n{dangling}");
    drop(container);

    options.clear_cache = false;
    let noop = pack_build("assetpack-pack-django", &app, &options);
    noop.assert_success()
        .assert_contains("skipping collectstatic and reusing the staticfiles layer")
        .assert_contains("Reusing layer 'assetpack/python:python'")
        .assert_contains("Reusing layer 'assetpack/python:venv'")
        .assert_contains("Reusing layer 'assetpack/python:staticfiles'");
    say(&format!(
        "django static: cold {:.1}s, no-op {:.1}s",
        cold.seconds, noop.seconds
    ));
}

#[test]
#[ignore = "pack tier"]
fn esbuild_assets_are_built_and_the_image_has_no_node() {
    let tier = Tier::get();
    let mirrors = Mirrors::start();
    let app = App::from_fixture("django_esbuild_app", "pack-esbuild");
    let mut options = BuildOptions::trusted(tier.value("builder"), mirrors.env());
    options.clear_cache = true;

    pack_build("assetpack-pack-esbuild", &app, &options)
        .assert_success()
        .assert_contains("Running 'npm ci --include=dev'")
        .assert_contains("Running 'npm run build': esbuild assets/app.js --bundle --minify")
        .assert_contains(
            "Node.js and node_modules were used for the build only and aren't in the launch image",
        )
        .assert_not_contains("Adding layer 'assetpack/python:nodejs'")
        .assert_not_contains("Adding layer 'assetpack/python:node-deps'");

    let output = run_in_image(
        "assetpack-pack-esbuild",
        "command -v node npm; find / -xdev \\( -name node_modules -o -name node -type f \\) -print 2>/dev/null; echo done",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.trim(), "done", "{output:?}");

    let container = Container::start("assetpack-pack-esbuild");
    let bundle = static_url(&container, "dist/app.js");
    assert!(bundle.starts_with("/static/dist/app."), "{bundle}");
    let served = fetch(container.port, &bundle, "identity");
    assert_eq!(served.status, 200, "{bundle}");
    let text = String::from_utf8_lossy(&served.body);
    assert!(text.contains("assetpack bundle built"), "{text}");
}

/// The real-app pattern that broke at launch (static files vendored from node_modules), built
/// as users do: pack, with `BP_DJANGO_MANAGE_PY` from the app's project.toml.
#[test]
#[ignore = "pack tier"]
fn vendored_npm_files_are_copies_served_from_the_container() {
    let tier = Tier::get();
    let mirrors = Mirrors::start();
    let app = App::from_fixture("django_real_app", "pack-real-app");
    app.write(
        "project.toml",
        "[_]\nschema-version = \"0.2\"\n\n[[io.buildpacks.build.env]]\nname = \"BP_DJANGO_MANAGE_PY\"\nvalue = \"src/manage.py\"\n",
    );
    let mut options = BuildOptions::trusted(tier.value("builder"), mirrors.env());
    options.clear_cache = true;

    pack_build("assetpack-pack-real-app", &app, &options)
        .assert_success()
        .assert_contains("Using src/manage.py (BP_DJANGO_MANAGE_PY)")
        .assert_contains(
            "Copied 5 static files instead of linking them: their sources aren't in the launch image",
        );

    let container = Container::start("assetpack-pack-real-app");
    let url = static_url(&container, "vendor/normalize.css");
    let served = fetch(container.port, &url, "identity");
    assert_eq!(served.status, 200, "{url}\n{}", container.logs());
    assert!(
        String::from_utf8_lossy(&served.body).contains("normalize.css v8.0.1"),
        "{url}"
    );
    let dangling = dangling_links(&container);
    assert!(dangling.is_empty(), "dangling symlinks:\n{dangling}");
    let layout = container.exec(
        "test ! -e /workspace/node_modules && test -f /workspace/staticfiles/vendor/normalize.css \
         && test -L /workspace/staticfiles/admin/css/base.css && echo ok",
    );
    assert_eq!(
        String::from_utf8_lossy(&layout.stdout).trim(),
        "ok",
        "{layout:?}"
    );
}
