//! Drives `tests/pack/prepare.sh`, `pack build` and `podman run` for the pack tier.

use crate::support::{App, Mirror, archives_dir, free_port, node_archives_dir, repo_root};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn it_root() -> PathBuf {
    std::env::var_os("ASSETPACK_IT_DIR")
        .map_or_else(|| PathBuf::from("/var/tmp/assetpack-it"), PathBuf::from)
}

/// What `tests/pack/prepare.sh` printed (`key=value`), once per test process.
pub(crate) struct Tier {
    values: BTreeMap<String, String>,
}

impl Tier {
    pub(crate) fn get() -> &'static Self {
        static TIER: OnceLock<Tier> = OnceLock::new();
        TIER.get_or_init(|| {
            let started = Instant::now();
            let output = Command::new("bash")
                .arg(repo_root().join("tests/pack/prepare.sh"))
                .arg("--out")
                .arg(it_root().join("pack"))
                .stderr(Stdio::inherit())
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "tests/pack/prepare.sh failed (run tests/pack/setup.sh and tests/bed/prepare.sh first)"
            );
            let values = String::from_utf8(output.stdout)
                .unwrap()
                .lines()
                .filter_map(|line| line.split_once('='))
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect();
            say(&format!(
                "prepared in {:.1}s",
                started.elapsed().as_secs_f64()
            ));
            Tier { values }
        })
    }

    pub(crate) fn value(&self, key: &str) -> &str {
        self.values
            .get(key)
            .unwrap_or_else(|| panic!("prepare.sh printed no {key}"))
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.env("DOCKER_HOST", self.value("docker_host"));
        command
    }

    /// `heroku/procfile`'s buildpack dir, or why there is none (tests print it and skip).
    pub(crate) fn procfile(&self) -> Result<&str, &str> {
        let value = self.value("procfile");
        value.strip_prefix("absent: ").map_or(Ok(value), Err)
    }
}

/// Mirrors on the host's loopback for the CPython and Node.js archives (reachable from the
/// build container with `--network host`), and the env that points the buildpack at them.
pub(crate) struct Mirrors {
    python: Mirror,
    node: Mirror,
}

impl Mirrors {
    pub(crate) fn start() -> Self {
        Self {
            python: Mirror::start(&archives_dir()),
            node: Mirror::start(&node_archives_dir()),
        }
    }

    pub(crate) fn env(&self) -> Vec<(String, String)> {
        vec![
            ("BP_PYTHON_MIRROR_URL".into(), self.python.url.clone()),
            ("BP_NODE_MIRROR_URL".into(), self.node.url.clone()),
        ]
    }
}

/// One `pack build`: exit status, combined output, duration.
pub(crate) struct PackBuild {
    pub(crate) success: bool,
    pub(crate) log: String,
    pub(crate) seconds: f64,
}

impl PackBuild {
    pub(crate) fn assert_success(&self) -> &Self {
        assert!(self.success, "pack build failed:\n{}", self.log);
        self
    }

    pub(crate) fn assert_failure(&self) -> &Self {
        assert!(
            !self.success,
            "pack build unexpectedly succeeded:\n{}",
            self.log
        );
        self
    }

    pub(crate) fn assert_contains(&self, text: &str) -> &Self {
        assert!(
            self.log.contains(text),
            "pack output does not contain {text:?}:\n{}",
            self.log
        );
        self
    }

    pub(crate) fn assert_not_contains(&self, text: &str) -> &Self {
        assert!(
            !self.log.contains(text),
            "pack output unexpectedly contains {text:?}:\n{}",
            self.log
        );
        self
    }
}

/// Options of one `pack build`.
pub(crate) struct BuildOptions<'a> {
    pub(crate) builder: &'a str,
    pub(crate) trusted: bool,
    /// A cold build: `--clear-cache`, and the previous image is removed first.
    pub(crate) clear_cache: bool,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) volumes: Vec<String>,
}

impl<'a> BuildOptions<'a> {
    pub(crate) fn trusted(builder: &'a str, env: Vec<(String, String)>) -> Self {
        Self {
            builder,
            trusted: true,
            clear_cache: false,
            env,
            volumes: Vec::new(),
        }
    }
}

/// `pack build IMAGE` of `app` (image names must not start with `localhost/`: podman's Docker
/// API would store them under `docker.io/localhost/`).
pub(crate) fn pack_build(image: &str, app: &App, options: &BuildOptions<'_>) -> PackBuild {
    let tier = Tier::get();
    if options.clear_cache {
        // A cold build: no cache and no previous image to reuse layers from.
        let _ = podman(&["rmi", "-f", image]);
    }
    let mut command = tier.command(tier.value("pack"));
    command
        .args(["build", image, "--builder", options.builder])
        .args(["--docker-host", "inherit", "--pull-policy", "never"])
        .args(["--network", "host"])
        .arg("--path")
        .arg(&app.dir);
    if options.trusted {
        command.arg("--trust-builder");
    } else {
        // --verbose: pack then names the container each phase runs in.
        command.args(["--trust-builder=false", "--verbose"]);
    }
    if options.clear_cache {
        command.arg("--clear-cache");
    }
    for (key, value) in &options.env {
        command.args(["--env", &format!("{key}={value}")]);
    }
    for volume in &options.volumes {
        command.args(["--volume", volume]);
    }
    let started = Instant::now();
    let output = command.stdin(Stdio::null()).output().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let mut log = String::from_utf8_lossy(&output.stdout).into_owned();
    log.push_str(&String::from_utf8_lossy(&output.stderr));
    say(&format!(
        "pack build {image} ({}) took {seconds:.1}s",
        if options.trusted {
            "trusted"
        } else {
            "untrusted"
        }
    ));
    PackBuild {
        success: output.status.success(),
        log: crate::support::strip_ansi(&log),
        seconds,
    }
}

/// `podman ARGS` with the tier's `DOCKER_HOST` (podman itself ignores it; docker would use it).
pub(crate) fn podman(args: &[&str]) -> Output {
    Tier::get().command("podman").args(args).output().unwrap()
}

/// Runs `script` with bash through the image's launcher (so the layers' env applies):
/// `podman run --rm --entrypoint launcher IMAGE script`.
pub(crate) fn run_in_image(image: &str, script: &str) -> Output {
    podman(&["run", "--rm", "--entrypoint", "launcher", image, script])
}

/// The image's `io.buildpacks.build.metadata` label, parsed.
pub(crate) fn build_metadata(image: &str) -> serde_json::Value {
    let output = podman(&[
        "image",
        "inspect",
        "--format",
        "{{index .Labels \"io.buildpacks.build.metadata\"}}",
        image,
    ]);
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A container running the image's default process with `PORT` set, published on a free
/// loopback port; removed on drop.
pub(crate) struct Container {
    name: String,
    pub(crate) port: u16,
}

impl Container {
    pub(crate) fn start(image: &str) -> Self {
        let port = free_port();
        let name = format!("assetpack-pack-{port}");
        let output = podman(&[
            "run",
            "-d",
            "--name",
            &name,
            "-e",
            &format!("PORT={port}"),
            "-p",
            &format!("127.0.0.1:{port}:{port}"),
            image,
        ]);
        assert!(
            output.status.success(),
            "podman run failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Self { name, port }
    }

    pub(crate) fn logs(&self) -> String {
        let output = podman(&["logs", &self.name]);
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        text
    }

    /// Runs `script` with bash in the running container, through the launcher.
    pub(crate) fn exec(&self, script: &str) -> Output {
        podman(&["exec", &self.name, "/cnb/lifecycle/launcher", script])
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = podman(&["rm", "-f", "-t", "2", &self.name]);
    }
}

/// Waits up to `timeout` for `check` to return `Some`.
pub(crate) fn wait_for<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Writes `[pack] message` to the real stderr (not captured by the test harness), so that skips
/// and timings show in `scripts/test.sh`'s output.
pub(crate) fn say(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "[pack] {message}");
}
