//! Failures through pack: non-zero exit and our message in pack's output.

use crate::pack_support::{BuildOptions, Mirrors, Tier, pack_build};
use crate::support::App;

#[test]
#[ignore = "pack tier"]
fn detect_failure_and_build_failure_show_our_message() {
    let tier = Tier::get();
    let mirrors = Mirrors::start();

    // Detect: no Python project files (only a README).
    let app = App::from_fixture("flask_app", "pack-detect-fail");
    for file in ["requirements.txt", "Procfile", ".python-version", "app.py"] {
        app.remove(file);
    }
    app.write("README.md", "Not a Python app.\n");
    pack_build(
        "assetpack-pack-detect-fail",
        &app,
        &BuildOptions::trusted(tier.value("builder"), mirrors.env()),
    )
    .assert_failure()
    .assert_contains("No Python project files found in the app's root directory.")
    .assert_contains("ERROR: No buildpack groups passed detection.");

    // Build: the build image lacks libssl3, so the runtime check fails right after installing
    // Python, naming the library, its package and the run image contract (not a pip error).
    let app = App::from_fixture("flask_app", "pack-nossl");
    pack_build(
        "assetpack-pack-nossl",
        &app,
        &BuildOptions::trusted(tier.value("nossl_builder"), mirrors.env()),
    )
    .assert_failure()
    .assert_contains("[Error: Python 3.13.")
    .assert_contains("can't load hashlib, ssl on this build image]")
    .assert_contains("ssl: ImportError: libssl.so.3: cannot open shared object file")
    .assert_contains("libssl.so.3: package libssl3 on Debian 12 and Ubuntu 22.04")
    .assert_contains("apt-get install --no-install-recommends libssl3")
    .assert_contains("https://github.com/assetpack/python#run-image-contract")
    .assert_contains("failed with status code: 51")
    .assert_not_contains("[Installing pip]");
}
