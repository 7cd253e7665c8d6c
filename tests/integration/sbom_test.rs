//! SBOMs: the exported image's SBOM layer holds CycloneDX 1.5 documents for the python and venv
//! layers, valid against the CycloneDX schema (checked with cyclonedx-python-lib's validator).

use crate::support::{
    App, Mirror, Workspace, archived_version, archives_dir, package_buildpack, test_inventory,
};
use std::path::Path;
use std::process::Command;

/// Validates `document` against the CycloneDX 1.5 JSON schema, with a throwaway venv holding
/// `cyclonedx-python-lib[json-validation]` from PyPI.
fn assert_valid_cyclonedx(validator_venv: &Path, document: &Path) {
    if !validator_venv.join("bin/python").exists() {
        let created = Command::new("python3")
            .args(["-m", "venv"])
            .arg(validator_venv)
            .status()
            .unwrap();
        assert!(created.success());
        let installed = Command::new(validator_venv.join("bin/pip"))
            .args([
                "install",
                "--quiet",
                "cyclonedx-python-lib[json-validation]==11.5.0",
            ])
            .output()
            .unwrap();
        assert!(installed.status.success(), "{installed:?}");
    }
    let output = Command::new(validator_venv.join("bin/python"))
        .arg("-c")
        .arg(
            "import sys\n\
             from cyclonedx.schema import SchemaVersion\n\
             from cyclonedx.validation.json import JsonStrictValidator\n\
             error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(open(sys.argv[1]).read())\n\
             sys.exit(f'invalid: {error}' if error else 0)\n",
        )
        .arg(document)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}: {}",
        document.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
#[ignore = "integration test"]
fn launch_layers_have_cyclonedx_sboms() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("sbom", &test_inventory());
    let app = App::from_fixture("django_static_app", "sbom");
    let mut workspace = Workspace::new("sbom");
    workspace
        .build(
            &app,
            &buildpack,
            &[("BP_PYTHON_MIRROR_URL", mirror.url.as_str())],
        )
        .assert_success();
    // Lays the image out on disk (the SBOM layer included).
    let listed = workspace.run_in_image("true");
    assert!(listed.status.success(), "{listed:?}");

    let sbom_dir = workspace.dir.join("layers/sbom/launch/assetpack_python");
    let read = |layer: &str| -> serde_json::Value {
        let path = sbom_dir.join(layer).join("sbom.cdx.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        serde_json::from_str(&text).unwrap()
    };
    let python = read("python");
    let series = std::fs::read_to_string(app.dir.join(".python-version")).unwrap();
    let version = archived_version(series.trim());
    assert_eq!(python["components"][0]["name"], "cpython");
    assert_eq!(
        python["components"][0]["purl"],
        format!("pkg:generic/cpython@{version}")
    );
    let venv = read("venv");
    let components = venv["components"].as_array().unwrap();
    let django = components
        .iter()
        .find(|component| component["name"] == "Django")
        .unwrap_or_else(|| panic!("no Django in {venv:#}"));
    assert_eq!(django["version"], "5.2.19");
    assert_eq!(django["purl"], "pkg:pypi/django@5.2.19");
    assert!(django.get("licenses").is_some(), "{django}");
    assert!(
        components
            .iter()
            .any(|component| component["name"] == "gunicorn"),
        "{venv:#}"
    );

    let validator = workspace.dir.join("cyclonedx-validator");
    for layer in ["python", "venv"] {
        assert_valid_cyclonedx(&validator, &sbom_dir.join(layer).join("sbom.cdx.json"));
    }
}
