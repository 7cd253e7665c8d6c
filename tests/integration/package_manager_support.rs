//! Assertions shared by the uv and Poetry tests.

use crate::support::Workspace;

/// The image has the `python` and `venv` layers only; the tool and its cache are cache-only
/// layers. Also checks, inside the image, that the layers directory holds just those two (and
/// `web-concurrency`, the exec.d program).
/// Returns the `venv` layer digest.
pub(crate) fn assert_tool_not_launched(workspace: &Workspace, tool: &str, cache: &str) -> String {
    let info = workspace.image_info();
    let layers = &info["buildpack_layers"];
    assert!(layers.get("assetpack/python/python").is_some(), "{info}");
    assert!(layers.get("assetpack/python/venv").is_some(), "{info}");
    for absent in [tool, cache, "pip", "pip-cache"] {
        assert!(
            layers.get(format!("assetpack/python/{absent}")).is_none(),
            "{absent} must not be in the launch image: {info}"
        );
    }
    let cached = &info["cache_layers"];
    assert!(
        cached.get(format!("assetpack/python/{tool}")).is_some(),
        "{info}"
    );
    assert!(
        cached.get(format!("assetpack/python/{cache}")).is_some(),
        "{info}"
    );

    let layers_dir = workspace.dir.join("layers/assetpack_python");
    let output = workspace.run_in_image(&format!("ls {}", layers_dir.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout.split_whitespace().collect::<Vec<_>>(),
        ["python", "venv", "web-concurrency"],
        "{stdout}"
    );
    workspace.layer_sha("venv").unwrap()
}
