//! The Flask fixture through pack: trusted (one creator container) and untrusted (one
//! container per phase, lifecycle image for the privileged ones) builds, the app answering in a
//! container of the run image, and the runtime's extension modules on the run image.

use crate::pack_support::{
    BuildOptions, Container, Mirrors, Tier, pack_build, run_in_image, say, wait_for,
};
use crate::support::{App, archived_version, http_get};
use std::time::Duration;

/// GET / answers 200 with the runtime's version.
fn assert_serves_python_version(container: &Container, version: &str) {
    let (status, body) = wait_for(Duration::from_mins(1), || {
        std::panic::catch_unwind(|| http_get(container.port, "/")).ok()
    })
    .unwrap_or_else(|| panic!("the app didn't answer; logs:\n{}", container.logs()));
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(&format!("\"python_version\":\"{version}\"")),
        "{body}"
    );
    assert!(body.contains("/layers/assetpack_python/venv"), "{body}");
}

#[test]
#[ignore = "pack tier"]
fn flask_trusted_and_untrusted_builds_run_on_the_run_image() {
    let tier = Tier::get();
    let mirrors = Mirrors::start();
    let app = App::from_fixture("flask_app", "pack-flask");
    let version = archived_version("3.13");

    // Trusted, from an empty cache.
    let mut options = BuildOptions::trusted(tier.value("builder"), mirrors.env());
    options.clear_cache = true;
    let cold = pack_build("assetpack-pack-flask", &app, &options);
    cold.assert_success()
        .assert_not_contains("is untrusted")
        .assert_contains("===> DETECTING")
        .assert_contains(&format!("Installing Python {version} from "))
        .assert_contains("Checked that Python's extension modules load")
        .assert_contains("Adding layer 'assetpack/python:python'")
        .assert_contains("Adding layer 'assetpack/python:venv'")
        .assert_contains("Successfully built image 'assetpack-pack-flask'");
    {
        let container = Container::start("assetpack-pack-flask");
        assert_serves_python_version(&container, &version);
    }

    // The run image: the runtime loads its extension modules without the build image's
    // libraries, and there is no compiler.
    let output = run_in_image(
        "assetpack-pack-flask",
        "python -c 'import ssl, sqlite3, ctypes, lzma, bz2, readline, zoneinfo, uuid, hashlib, decimal; \
         print(\"imports ok\", ssl.OPENSSL_VERSION)'; command -v gcc cc || echo no-compiler",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.contains("imports ok OpenSSL 3."), "{stdout}");
    assert!(stdout.contains("no-compiler"), "{stdout}");

    // No-op rebuild, trusted: the runtime and the venv are reused.
    let noop = pack_build(
        "assetpack-pack-flask",
        &app,
        &options_without_clear(&options),
    );
    noop.assert_success()
        .assert_contains(&format!("Using cached Python {version}"))
        .assert_contains("Reusing layer 'assetpack/python:python'")
        .assert_contains("Reusing layer 'assetpack/python:venv'");
    say(&format!(
        "flask trusted: cold {:.1}s, no-op {:.1}s",
        cold.seconds, noop.seconds
    ));

    // Untrusted: five phase containers; the same app runs.
    let untrusted = BuildOptions {
        trusted: false,
        clear_cache: true,
        ..BuildOptions::trusted(tier.value("builder"), mirrors.env())
    };
    let cold_untrusted = pack_build("assetpack-pack-flask-untrusted", &app, &untrusted);
    cold_untrusted
        .assert_success()
        .assert_contains("Builder 'assetpack-python-test-builder:bookworm' is untrusted")
        .assert_contains("Running the 'analyzer' on OS 'linux' from image 'pack.local/lifecycle/")
        .assert_contains("Running the 'detector' on OS 'linux' from image 'pack.local/builder/")
        .assert_contains("Running the 'restorer' on OS 'linux' from image 'pack.local/lifecycle/")
        .assert_contains("Running the 'builder' on OS 'linux' from image 'pack.local/builder/")
        .assert_contains("Running the 'exporter' on OS 'linux' from image 'pack.local/lifecycle/")
        .assert_contains("Successfully built image 'assetpack-pack-flask-untrusted'");
    let container = Container::start("assetpack-pack-flask-untrusted");
    assert_serves_python_version(&container, &version);
    drop(container);
    let noop_untrusted = pack_build(
        "assetpack-pack-flask-untrusted",
        &app,
        &options_without_clear(&untrusted),
    );
    noop_untrusted
        .assert_success()
        .assert_contains("Reusing layer 'assetpack/python:python'")
        .assert_contains("Reusing layer 'assetpack/python:venv'");
    say(&format!(
        "flask untrusted: cold {:.1}s, no-op {:.1}s",
        cold_untrusted.seconds, noop_untrusted.seconds
    ));
}

fn options_without_clear<'a>(options: &BuildOptions<'a>) -> BuildOptions<'a> {
    BuildOptions {
        builder: options.builder,
        trusted: options.trusted,
        clear_cache: false,
        env: options.env.clone(),
        volumes: options.volumes.clone(),
    }
}
