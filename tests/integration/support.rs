//! Drives the test bed (`tests/bed/*.sh`): packages the buildpack, serves runtime archives from
//! a local mirror, runs real lifecycle builds, and runs processes from the exported image.
//!
//! Run `tests/bed/prepare.sh` first (`scripts/test.sh` does): it installs the lifecycle and
//! builds the CPython archives these tests install.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bed_script(name: &str) -> PathBuf {
    repo_root().join("tests/bed").join(name)
}

fn cache_dir() -> PathBuf {
    std::env::var_os("ASSETPACK_CACHE")
        .map_or_else(|| PathBuf::from("/var/tmp/assetpack-cache"), PathBuf::from)
}

/// Root of the test workspaces: lowercase and traversable by the build user.
fn it_root() -> PathBuf {
    std::env::var_os("ASSETPACK_IT_DIR")
        .map_or_else(|| PathBuf::from("/var/tmp/assetpack-it"), PathBuf::from)
}

pub(crate) fn archives_dir() -> PathBuf {
    cache_dir().join("python-archives")
}

/// The inventory of the archives `prepare.sh` built (real sha256s).
pub(crate) fn test_inventory() -> String {
    let path = archives_dir().join("inventory.toml");
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; run tests/bed/prepare.sh first",
            path.display()
        )
    })
}

/// Where `prepare.sh` (`tests/bed/assemble-node.sh`) put the Node.js archives, laid out like
/// <https://nodejs.org/dist> (`v<version>/node-v<version>-linux-x64.tar.gz`): serve it with
/// [`Mirror`] and pass its URL as `BP_NODE_MIRROR_URL`.
pub(crate) fn node_archives_dir() -> PathBuf {
    cache_dir().join("node-archives")
}

/// The Node.js inventory of the archives `prepare.sh` assembled (official nodejs.org URLs, the
/// sha256s of the assembled archives).
pub(crate) fn node_test_inventory() -> String {
    let path = node_archives_dir().join("inventory.toml");
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; run tests/bed/prepare.sh first",
            path.display()
        )
    })
}

/// The newest archived version of a series, e.g. `"3.13"` → `"3.13.5"`.
pub(crate) fn archived_version(series: &str) -> String {
    let inventory = test_inventory();
    let mut versions: Vec<Vec<u64>> = inventory
        .lines()
        .filter_map(|line| line.strip_prefix("version = \""))
        .map(|rest| rest.trim_end_matches('"'))
        .filter(|version| version.starts_with(&format!("{series}.")))
        .map(|version| {
            version
                .split('.')
                .map(|part| part.parse().unwrap())
                .collect()
        })
        .collect();
    versions.sort();
    let newest = versions
        .last()
        .unwrap_or_else(|| panic!("no Python {series} archive in the test inventory"));
    newest
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// Packages the compiled buildpack with `inventory` under a test-specific name. Once
/// `prepare.sh` has assembled the Node.js archives, their inventory ([`node_test_inventory`])
/// becomes the buildpack's `inventory/nodejs.toml`.
pub(crate) fn package_buildpack(name: &str, inventory: &str) -> PathBuf {
    let dir = it_root().join("buildpacks").join(name);
    std::fs::create_dir_all(it_root().join("buildpacks")).unwrap();
    let inventory_file = it_root()
        .join("buildpacks")
        .join(format!("{name}.inventory.toml"));
    std::fs::write(&inventory_file, inventory).unwrap();
    let mut command = Command::new("bash");
    command
        .arg(bed_script("package-buildpack.sh"))
        .arg("--out")
        .arg(&dir)
        .arg("--binary")
        .arg(env!("CARGO_BIN_EXE_assetpack-python"))
        .arg("--inventory")
        .arg(&inventory_file);
    if node_archives_dir().join("inventory.toml").is_file() {
        let node_inventory_file = it_root()
            .join("buildpacks")
            .join(format!("{name}.nodejs-inventory.toml"));
        std::fs::write(&node_inventory_file, node_test_inventory()).unwrap();
        command.arg("--node-inventory").arg(&node_inventory_file);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "packaging failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    dir
}

/// A local HTTP server for runtime archives (`tests/bed/mirror.py`), stopped on drop.
pub(crate) struct Mirror {
    child: Child,
    pub(crate) url: String,
}

impl Mirror {
    pub(crate) fn start(root: &Path) -> Self {
        let port_file = it_root().join(format!(
            "mirror-port-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_file(&port_file);
        std::fs::create_dir_all(it_root()).unwrap();
        let child = Command::new("python3")
            .arg(bed_script("mirror.py"))
            .arg("--root")
            .arg(root)
            .arg("--port-file")
            .arg(&port_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Dropping `mirror` (also on a panic) stops the server.
        let mut mirror = Self {
            child,
            url: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(port) = std::fs::read_to_string(&port_file)
                && !port.trim().is_empty()
            {
                let _ = std::fs::remove_file(&port_file);
                mirror.url = format!("http://127.0.0.1:{}", port.trim());
                return mirror;
            }
            assert!(Instant::now() < deadline, "mirror did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Mirror {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh, writable copy of a fixture.
pub(crate) struct App {
    pub(crate) dir: PathBuf,
}

impl App {
    pub(crate) fn from_fixture(fixture: &str, name: &str) -> Self {
        let dir = it_root().join("apps").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let status = Command::new("cp")
            .arg("-a")
            .arg(repo_root().join("test-fixtures").join(fixture).join("."))
            .arg(&dir)
            .status()
            .unwrap();
        assert!(status.success());
        Self { dir }
    }

    pub(crate) fn write(&self, file: &str, contents: &str) -> &Self {
        std::fs::write(self.dir.join(file), contents).unwrap();
        self
    }

    pub(crate) fn remove(&self, file: &str) -> &Self {
        let _ = std::fs::remove_file(self.dir.join(file));
        self
    }
}

/// A Django app: `manage.py` in its root or one directory down.
fn is_django_app(app: &Path) -> bool {
    app.join("manage.py").exists()
        || std::fs::read_dir(app).is_ok_and(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|entry| entry.path().join("manage.py").is_file())
        })
}

/// Calls `found` for every symlink under `dir` (not following links).
fn walk_symlinks(dir: &Path, found: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            found(&entry.path());
        } else if kind.is_dir() {
            walk_symlinks(&entry.path(), found);
        }
    }
}

/// One test's bed workspace (app, layers, cache, OCI layout).
pub(crate) struct Workspace {
    pub(crate) dir: PathBuf,
    builds: usize,
}

/// The outcome of one `cnb-build.sh` run.
pub(crate) struct Build {
    pub(crate) code: i32,
    /// stdout and stderr, ANSI colours removed.
    pub(crate) log: String,
}

impl Build {
    pub(crate) fn assert_success(&self) -> &Self {
        assert_eq!(self.code, 0, "build failed:\n{}", self.log);
        self
    }

    pub(crate) fn assert_failure(&self) -> &Self {
        assert_eq!(
            self.code, 51,
            "expected the buildpack to fail the build (exit 51):\n{}",
            self.log
        );
        self
    }

    pub(crate) fn assert_contains(&self, text: &str) -> &Self {
        assert!(
            self.log.contains(text),
            "log does not contain {text:?}:\n{}",
            self.log
        );
        self
    }

    pub(crate) fn assert_not_contains(&self, text: &str) -> &Self {
        assert!(
            !self.log.contains(text),
            "log unexpectedly contains {text:?}:\n{}",
            self.log
        );
        self
    }

    /// `(phase, seconds)` from the bed's `[bed] <phase> took <s>s` lines.
    pub(crate) fn phase_times(&self) -> Vec<(String, f64)> {
        self.log
            .lines()
            .filter_map(|line| line.strip_prefix("[bed] "))
            .filter_map(|line| line.split_once(" took "))
            .filter_map(|(phase, time)| {
                Some((phase.to_string(), time.strip_suffix('s')?.parse().ok()?))
            })
            .collect()
    }
}

pub(crate) fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Workspace {
    pub(crate) fn new(name: &str) -> Self {
        Self {
            dir: it_root().join("ws").join(name),
            builds: 0,
        }
    }

    /// Runs analyzer → detector → restorer → builder → exporter. The first build of a
    /// workspace starts fresh (no cache, no previous image).
    pub(crate) fn build(&mut self, app: &App, buildpack: &Path, env: &[(&str, &str)]) -> Build {
        self.build_with(app, &[buildpack], env)
    }

    /// Like [`Self::build`] with several buildpacks in one order group, in the given order
    /// (ours usually last, e.g. `&[&node_provider_buildpack(), &buildpack]`).
    pub(crate) fn build_with(
        &mut self,
        app: &App,
        buildpacks: &[&Path],
        env: &[(&str, &str)],
    ) -> Build {
        let mut command = Command::new("bash");
        command
            .arg(bed_script("cnb-build.sh"))
            .arg("--workspace")
            .arg(&self.dir)
            .arg("--app")
            .arg(&app.dir);
        for buildpack in buildpacks {
            command.arg("--buildpack").arg(buildpack);
        }
        if self.builds == 0 {
            command.arg("--fresh");
        }
        for (key, value) in env {
            command.arg("--env").arg(format!("{key}={value}"));
        }
        self.builds += 1;
        let output = command.output().unwrap();
        let log = strip_ansi(&format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
        let build = Build {
            code: output.status.code().unwrap_or(-1),
            log,
        };
        if build.code == 0 && is_django_app(&app.dir) {
            // The suite-wide invariant for Django apps (static files link to their sources).
            self.assert_symlinks_resolve_in_image();
        }
        build
    }

    /// Lays the exported image's workspace files onto disk (as `cnb-launch.sh` does) and
    /// asserts that every symlink under the app and layers directories resolves to a path the
    /// image has: inside the workspace, or the run image's system directories.
    pub(crate) fn assert_symlinks_resolve_in_image(&self) {
        let output = Command::new("python3")
            .arg(bed_script("extract-image.py"))
            .arg("--workspace")
            .arg(&self.dir)
            .arg("--if-changed")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "extracting the image failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let workspace = self.dir.canonicalize().unwrap();
        let mut dangling = Vec::new();
        let mut checked = 0;
        for top in ["app", "layers"] {
            walk_symlinks(&self.dir.join(top), &mut |link| {
                checked += 1;
                let target = std::fs::read_link(link).unwrap();
                let resolved = link.parent().unwrap().join(&target).canonicalize();
                let inside = resolved.as_ref().is_ok_and(|path| {
                    path.starts_with(&workspace)
                        || ["/usr", "/lib", "/lib64", "/bin", "/etc", "/sbin"]
                            .iter()
                            .any(|system| path.starts_with(system))
                });
                if !inside {
                    dangling.push(format!("{} -> {}", link.display(), target.display()));
                }
            });
        }
        assert!(
            dangling.is_empty(),
            "{} of {checked} symlinks in the image don't resolve inside it:\n{}",
            dangling.len(),
            dangling.join("\n")
        );
    }

    /// Runs `command` (a bash string) in the launch environment of the exported image.
    pub(crate) fn run_in_image(&self, command: &str) -> Output {
        self.run_in_image_with_env(command, &[])
    }

    /// Like [`Self::run_in_image`], with extra runtime environment variables.
    pub(crate) fn run_in_image_with_env(&self, command: &str, env: &[(&str, &str)]) -> Output {
        let mut launch = Command::new("bash");
        launch
            .arg(bed_script("cnb-launch.sh"))
            .arg("--workspace")
            .arg(&self.dir)
            .args(["--env", "CNB_NO_COLOR=true"]);
        for (key, value) in env {
            launch.arg("--env").arg(format!("{key}={value}"));
        }
        launch.args(["--", command]).output().unwrap()
    }

    /// Starts the image's default process with `PORT` set; stopped (SIGTERM) on drop.
    pub(crate) fn start_web(&self, port: u16) -> Running {
        self.start_web_with_env(port, &[])
    }

    /// Like [`Self::start_web`], with extra runtime environment variables.
    pub(crate) fn start_web_with_env(&self, port: u16, env: &[(&str, &str)]) -> Running {
        let mut command = Command::new("bash");
        command
            .arg(bed_script("cnb-launch.sh"))
            .arg("--workspace")
            .arg(&self.dir)
            .args([
                "--env",
                &format!("PORT={port}"),
                "--env",
                "CNB_NO_COLOR=true",
            ]);
        for (key, value) in env {
            command.arg("--env").arg(format!("{key}={value}"));
        }
        let child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Running { child }
    }

    /// Starts the image's default process, GETs `path` from it, stops it, asserts HTTP 200
    /// (showing the process's output otherwise) and returns the body.
    pub(crate) fn get_from_web(&self, path: &str) -> String {
        let port = free_port();
        let web = self.start_web(port);
        let (status, body) = http_get(port, path);
        let log = web.stop();
        assert_eq!(status, 200, "GET {path}: {body}\n{log}");
        body
    }

    /// JSON from `tests/bed/image-info.py` for the exported image.
    pub(crate) fn image_info(&self) -> serde_json::Value {
        let output = Command::new("python3")
            .arg(bed_script("image-info.py"))
            .arg(&self.dir)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// The `diff_id` of `assetpack/python/<layer>` in the image, if the image has that layer.
    pub(crate) fn layer_sha(&self, layer: &str) -> Option<String> {
        self.image_info()["buildpack_layers"][format!("assetpack/python/{layer}")]["sha"]
            .as_str()
            .map(ToString::to_string)
    }
}

/// A process started from the image.
pub(crate) struct Running {
    child: Child,
}

impl Running {
    /// Stops the process and returns what it printed.
    pub(crate) fn stop(mut self) -> String {
        self.terminate();
        let mut out = String::new();
        if let Some(mut stdout) = self.child.stdout.take() {
            let _ = stdout.read_to_string(&mut out);
        }
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = stderr.read_to_string(&mut out);
        }
        out
    }

    fn terminate(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.terminate();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GETs `http://127.0.0.1:<port><path>`, retrying connection errors for up to 60 s while the
/// app starts. Returns `(status, body)`.
pub(crate) fn http_get(port: u16, path: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let url = format!("http://127.0.0.1:{port}{path}");
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        match agent.get(&url).call() {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let body = response.body_mut().read_to_string().unwrap();
                return (status, body);
            }
            Err(error) => {
                assert!(Instant::now() < deadline, "GET {url} kept failing: {error}");
                std::thread::sleep(Duration::from_millis(250));
            }
        }
    }
}

/// One HTTP response as seen by curl: status, lower-cased headers, raw (undecoded) body.
pub(crate) struct Fetched {
    pub(crate) status: u16,
    pub(crate) headers: String,
    pub(crate) body: Vec<u8>,
}

impl Fetched {
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.headers
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .map(|value| value.trim().to_string())
    }
}

/// GETs a URL path with curl, sending `Accept-Encoding` as given, without decoding the body.
pub(crate) fn fetch(port: u16, path: &str, accept_encoding: &str) -> Fetched {
    let dir = it_root().join("fetch");
    std::fs::create_dir_all(&dir).unwrap();
    let body_file = dir.join(format!("{port}-{}", path.replace('/', "_")));
    let output = Command::new("curl")
        .args(["-s", "-D", "-", "-o"])
        .arg(&body_file)
        .args(["-H", &format!("Accept-Encoding: {accept_encoding}")])
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .unwrap();
    let headers = String::from_utf8_lossy(&output.stdout).to_ascii_lowercase();
    let status = headers
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = std::fs::read(&body_file).unwrap_or_default();
    let _ = std::fs::remove_file(&body_file);
    Fetched {
        status,
        headers,
        body,
    }
}

/// `tests/bed/buildpacks/node-provider`: a test buildpack (`assetpack-test/node-provider`) that
/// provides `node` in the build plan and puts the host's node, npm and npx on PATH from its
/// build-only layer `node`. Use it before ours with [`Workspace::build_with`].
/// `cnb-build.sh` copies it into the workspace (readable by the build user), so the repo path is
/// fine as is.
pub(crate) fn node_provider_buildpack() -> PathBuf {
    bed_script("buildpacks/node-provider")
}
