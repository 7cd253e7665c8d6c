//! Runtime download failures: a mirror without the file, a checksum mismatch and a truncated
//! download each fail with a specific error, and a good build afterwards succeeds.

use crate::support::{
    App, Mirror, Workspace, archived_version, archives_dir, package_buildpack, test_inventory,
};

#[test]
#[ignore = "integration test"]
fn download_errors_then_a_good_build() {
    let python = archived_version("3.13");
    let mirror = Mirror::start(&archives_dir());
    let good = package_buildpack("download-good", &test_inventory());
    let app = App::from_fixture("flask_app", "download");
    let mut workspace = Workspace::new("download");
    let archive = format!("python-{python}-debian-12-amd64.tar.zst");

    // The mirror doesn't have the file.
    let missing = format!("{}/no-such-dir", mirror.url);
    workspace
        .build(&app, &good, &[("BP_PYTHON_MIRROR_URL", &missing)])
        .assert_failure()
        .assert_contains(&format!(
            "[Error: Python {python} isn't on the download server]"
        ))
        .assert_contains(&format!(
            "Downloading {missing}/{archive} failed with HTTP 404"
        ))
        .assert_not_contains("Download attempt 1 of 3 failed");

    // The inventory's checksum doesn't match the file.
    let inventory = test_inventory();
    let sha_line = inventory
        .lines()
        .skip_while(|line| !line.contains(&format!("version = \"{python}\"")))
        .find(|line| line.starts_with("sha256 = "))
        .unwrap()
        .to_string();
    let wrong = package_buildpack(
        "download-wrong-sha",
        &inventory.replace(&sha_line, &format!("sha256 = \"{}\"", "0".repeat(64))),
    );
    workspace
        .build(&app, &wrong, &[("BP_PYTHON_MIRROR_URL", &mirror.url)])
        .assert_failure()
        .assert_contains(&format!("[Error: Checksum mismatch for Python {python}]"))
        .assert_contains(&format!(
            "but the buildpack's inventory expects\n  {}",
            "0".repeat(64)
        ));

    // The download is cut off half way, on every attempt.
    let truncated = format!("{}/truncated", mirror.url);
    workspace
        .build(&app, &good, &[("BP_PYTHON_MIRROR_URL", &truncated)])
        .assert_failure()
        .assert_contains("Download attempt 1 of 3 failed")
        .assert_contains("Download attempt 2 of 3 failed")
        .assert_contains(&format!("[Error: Unable to unpack Python {python}]"))
        .assert_contains("was cut off, or isn't a valid zstd-compressed tar");

    // Nothing half-written is reused: the next good build installs Python from scratch.
    workspace
        .build(&app, &good, &[("BP_PYTHON_MIRROR_URL", &mirror.url)])
        .assert_success()
        .assert_contains(&format!("Installing Python {python}"))
        .assert_not_contains("Using cached Python");
}
