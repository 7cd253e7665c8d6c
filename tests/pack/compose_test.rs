//! Composition with other buildpacks in one builder: an earlier Node.js provider satisfies our
//! `node` requirement; heroku/procfile (built from a checkout of its source, see
//! tests/pack/build-peer.sh) after ours sets the `web` process from the Procfile.

use crate::pack_support::{
    BuildOptions, Container, Mirrors, Tier, build_metadata, pack_build, say, wait_for,
};
use crate::support::{App, http_get};
use std::time::Duration;

/// Where the node-provider finds Node.js in the build container (a read-only volume).
const NODE_MOUNT: &str = "/opt/node-provider";

/// Options for the composition builder, whose first group starts with the node-provider: it
/// links the Node.js mounted at [`NODE_MOUNT`]. `NODE_USE_SYSTEM_CA=1` (test only: this
/// network intercepts TLS) makes that Node.js trust the build image's CA store, as our own
/// nodejs layer does.
fn compose_options(tier: &'static Tier, mirrors: &Mirrors) -> BuildOptions<'static> {
    let mut env = mirrors.env();
    env.push(("NODE_PROVIDER_HOME".into(), NODE_MOUNT.into()));
    env.push(("NODE_USE_SYSTEM_CA".into(), "1".into()));
    let mut options = BuildOptions::trusted(tier.value("compose_builder"), env);
    options.clear_cache = true;
    options
        .volumes
        .push(format!("{}:{NODE_MOUNT}:ro", tier.value("node_home")));
    options
}

#[test]
#[ignore = "pack tier"]
fn an_earlier_node_provider_supplies_node() {
    let tier = Tier::get();
    let mirrors = Mirrors::start();
    let app = App::from_fixture("django_esbuild_app", "pack-node-provider");
    pack_build(
        "assetpack-pack-node-provider",
        &app,
        &compose_options(tier, &mirrors),
    )
    .assert_success()
    .assert_contains("assetpack-test/node-provider 0.1.0")
    .assert_contains("node-provider: the buildpack plan requires node")
    .assert_contains(
        "from an earlier buildpack (/layers/assetpack-test_node-provider/node/bin/node)",
    )
    .assert_not_contains("-linux-x64.tar.gz") // no Node.js download
    .assert_contains("Running 'npm run build': esbuild assets/app.js --bundle --minify");
}

#[test]
#[ignore = "pack tier"]
fn heroku_procfile_after_ours_sets_the_web_process() {
    let tier = Tier::get();
    let procfile = match tier.procfile() {
        Ok(dir) => dir,
        Err(why) => {
            say(&format!("SKIPPED heroku/procfile composition: {why}"));
            return;
        }
    };
    say(&format!("heroku/procfile from {procfile}"));
    let mirrors = Mirrors::start();
    let app = App::from_fixture("django_static_app", "pack-procfile");
    app.write(
        "Procfile",
        "web: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT --workers 1 --env PROCFILE_WEB=1\n",
    );
    pack_build(
        "assetpack-pack-procfile",
        &app,
        &compose_options(tier, &mirrors),
    )
    .assert_success()
    .assert_contains("heroku/procfile")
    .assert_contains("Setting default process type 'web'");

    // The web process in the image is heroku/procfile's (the later buildpack wins).
    let metadata = build_metadata("assetpack-pack-procfile");
    let web = metadata["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|process| process["type"] == "web")
        .unwrap_or_else(|| panic!("no web process: {metadata}"));
    assert_eq!(web["buildpackID"], "heroku/procfile", "{web}");
    assert!(web.to_string().contains("PROCFILE_WEB=1"), "{web}");

    let container = Container::start("assetpack-pack-procfile");
    let (status, body) = wait_for(Duration::from_mins(1), || {
        std::panic::catch_unwind(|| http_get(container.port, "/health")).ok()
    })
    .unwrap_or_else(|| panic!("the app didn't answer; logs:\n{}", container.logs()));
    assert_eq!(status, 200, "{body}");
}
