//! Which paths exist in the launch image, for deciding whether a collected static file may be a
//! link to its source or must be a copy.
//!
//! Rule: a link may only point at a path the launch image has: the app directory as exported
//! (minus what the build removes, such as the `node_modules` link when Node.js isn't launched)
//! or a layer whose `<layer>.toml` has `[types] launch = true`. Anything else (`node_modules` in a
//! build-only layer, a cache, a temp dir, the host) is copied.
//! Layer types: <https://github.com/buildpacks/spec/blob/main/buildpack.md#layer-types>.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// Answers "is this source in the launch image?" for one build.
pub(crate) struct LaunchImage {
    /// The app directory, canonical.
    app_dir: PathBuf,
    /// The CNB layers root (`/layers`, the parent of this buildpack's layers dir), canonical.
    layers_root: Option<PathBuf>,
    /// Layer directory → whether it's a launch layer, as read from its `<layer>.toml`.
    launch_layers: HashMap<PathBuf, bool>,
}

impl LaunchImage {
    /// `layers_dir` is this buildpack's layers directory (`/layers/<buildpack id>`).
    pub(crate) fn new(app_dir: &Path, layers_dir: &Path) -> Self {
        Self {
            app_dir: app_dir
                .canonicalize()
                .unwrap_or_else(|_| app_dir.to_path_buf()),
            layers_root: layers_dir
                .parent()
                .and_then(|root| root.canonicalize().ok()),
            launch_layers: HashMap::new(),
        }
    }

    /// Whether `source` (resolved through every symlink) lies in the launch image. A path that
    /// can't be resolved is not.
    pub(crate) fn contains(&mut self, source: &Path) -> bool {
        let Ok(real) = source.canonicalize() else {
            return false;
        };
        if real.starts_with(&self.app_dir) {
            return true;
        }
        let Some(root) = &self.layers_root else {
            return false;
        };
        let Ok(relative) = real.strip_prefix(root) else {
            return false;
        };
        let mut parts = relative.components();
        let (Some(Component::Normal(buildpack)), Some(Component::Normal(layer))) =
            (parts.next(), parts.next())
        else {
            return false;
        };
        let layer_dir = root.join(buildpack).join(layer);
        *self
            .launch_layers
            .entry(layer_dir.clone())
            .or_insert_with(|| is_launch_layer(&layer_dir))
    }
}

/// Reads `[types] launch` from the layer's `<layer>.toml`; false when absent or unreadable.
fn is_launch_layer(layer_dir: &Path) -> bool {
    let mut toml_path = layer_dir.as_os_str().to_owned();
    toml_path.push(".toml");
    std::fs::read_to_string(PathBuf::from(toml_path))
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .and_then(|table| table.get("types")?.get("launch")?.as_bool())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_dir_and_launch_layers_only() {
        let dir = std::env::temp_dir().join(format!("assetpack-launch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let app = dir.join("workspace");
        let layers = dir.join("layers");
        let ours = layers.join("assetpack_python");
        for path in [
            app.join("static"),
            ours.join("venv/lib"),
            ours.join("node-deps/node_modules/pkg"),
            layers.join("other_bp/tools/share"),
            dir.join("tmp"),
        ] {
            std::fs::create_dir_all(path).unwrap();
        }
        std::fs::write(
            ours.join("venv.toml"),
            "[types]\nlaunch = true\ncache = true\n",
        )
        .unwrap();
        std::fs::write(ours.join("node-deps.toml"), "[types]\nbuild = true\n").unwrap();
        std::fs::write(
            layers.join("other_bp/tools.toml"),
            "[types]\nlaunch = true\n",
        )
        .unwrap();
        for file in [
            app.join("static/a.css"),
            ours.join("venv/lib/b.css"),
            ours.join("node-deps/node_modules/pkg/c.css"),
            layers.join("other_bp/tools/share/d.css"),
            dir.join("tmp/e.css"),
        ] {
            std::fs::write(file, "x").unwrap();
        }
        // The app's node_modules is a link into the build-only layer.
        std::os::unix::fs::symlink(
            ours.join("node-deps/node_modules"),
            app.join("node_modules"),
        )
        .unwrap();
        std::os::unix::fs::symlink(dir.join("tmp"), app.join("scratch")).unwrap();

        let mut image = LaunchImage::new(&app, &ours);
        assert!(image.contains(&app.join("static/a.css")));
        assert!(image.contains(&ours.join("venv/lib/b.css")));
        assert!(image.contains(&layers.join("other_bp/tools/share/d.css")));
        assert!(!image.contains(&app.join("node_modules/pkg/c.css")));
        assert!(!image.contains(&ours.join("node-deps/node_modules/pkg/c.css")));
        assert!(
            !image.contains(&app.join("scratch/e.css")),
            "links out of the app"
        );
        assert!(!image.contains(&dir.join("tmp/e.css")));
        assert!(!image.contains(&app.join("static/missing.css")));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
