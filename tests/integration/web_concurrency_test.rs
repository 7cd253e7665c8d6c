//! `WEB_CONCURRENCY` at launch (the `web-concurrency` exec.d program): from a (faked) cgroup
//! memory limit and CPU quota, a user value wins, and no limit gives `2 × CPUs + 1`.

use crate::support::{
    App, Mirror, Workspace, archives_dir, free_port, http_get, package_buildpack, test_inventory,
};
use std::path::{Path, PathBuf};

/// A fake cgroup v2 tree (for `ASSETPACK_CGROUP_ROOT`) with `memory.max` and `cpu.max`.
fn fake_cgroup(workspace: &Workspace, name: &str, memory_max: &str, cpu_max: &str) -> PathBuf {
    let root = workspace.dir.join(name);
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("memory.max"), format!("{memory_max}\n")).unwrap();
    std::fs::write(root.join("cpu.max"), format!("{cpu_max}\n")).unwrap();
    root
}

fn nproc() -> u64 {
    std::thread::available_parallelism().unwrap().get() as u64
}

/// Runs `printenv WEB_CONCURRENCY` in the image; returns (stdout, stderr).
fn printenv(workspace: &Workspace, env: &[(&str, &str)]) -> (String, String) {
    let output = workspace.run_in_image_with_env("printenv WEB_CONCURRENCY", env);
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "{stdout}\n{stderr}");
    (stdout, stderr)
}

fn cgroup_env(root: &Path) -> String {
    root.to_str().unwrap().to_string()
}

#[test]
#[ignore = "integration test"]
fn web_concurrency_from_memory_limit_and_cpus() {
    let mirror = Mirror::start(&archives_dir());
    let buildpack = package_buildpack("web-concurrency", &test_inventory());
    let env = [("BP_PYTHON_MIRROR_URL", mirror.url.as_str())];
    let app = App::from_fixture("flask_app", "web-concurrency");
    // gunicorn without --workers: it reads WEB_CONCURRENCY.
    app.write("Procfile", "web: gunicorn app:app --bind 0.0.0.0:$PORT\n");
    let mut workspace = Workspace::new("web-concurrency");

    workspace
        .build(&app, &buildpack, &env)
        .assert_success()
        .assert_contains(
            "WEB_CONCURRENCY (gunicorn's and uvicorn's worker count) is set at launch from the container's memory limit and CPUs, unless you set it",
        );
    let info = workspace.image_info();
    assert!(
        info["buildpack_layers"]
            .get("assetpack/python/web-concurrency")
            .is_some(),
        "{info}"
    );

    // A 1 GiB limit and a 2-CPU quota: min(1024 / 256, 2 × 2 + 1) = 4 (3 on a 1-CPU host).
    let one_gib = fake_cgroup(&workspace, "cgroup-1g", "1073741824", "200000 100000");
    let one_gib = cgroup_env(&one_gib);
    let cpus = nproc().min(2);
    let expected = 4.min(2 * cpus + 1);
    let (value, log) = printenv(&workspace, &[("ASSETPACK_CGROUP_ROOT", &one_gib)]);
    assert_eq!(value, expected.to_string(), "{log}");
    assert!(
        log.contains(&format!(
            "[assetpack/python] WEB_CONCURRENCY={expected}: the lower of 4 (1024 MiB memory limit / 256 MiB per worker) and {} (2 × {cpus} CPU",
            2 * cpus + 1
        )),
        "{log}"
    );

    // gunicorn starts that many workers.
    let port = free_port();
    let web = workspace.start_web_with_env(port, &[("ASSETPACK_CGROUP_ROOT", &one_gib)]);
    let (status, body) = http_get(port, "/");
    std::thread::sleep(std::time::Duration::from_secs(2));
    let log = web.stop();
    assert_eq!(status, 200, "{body}\n{log}");
    assert_eq!(
        log.matches("Booting worker with pid").count(),
        usize::try_from(expected).unwrap(),
        "{log}"
    );

    // The user's value wins.
    let (value, log) = printenv(
        &workspace,
        &[
            ("ASSETPACK_CGROUP_ROOT", &one_gib),
            ("WEB_CONCURRENCY", "3"),
        ],
    );
    assert_eq!(value, "3", "{log}");
    assert!(
        log.contains("[assetpack/python] WEB_CONCURRENCY=3 is set, so it is kept"),
        "{log}"
    );

    // A 512 MiB limit without a CPU quota: 2.
    let half = fake_cgroup(&workspace, "cgroup-512m", "536870912", "max 100000");
    let (value, log) = printenv(&workspace, &[("ASSETPACK_CGROUP_ROOT", &cgroup_env(&half))]);
    assert_eq!(value, "2", "{log}");

    // No limit (this host's real cgroup files): 2 × CPUs + 1, unless the machine's memory is
    // smaller than 256 MiB per worker.
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let total_mib = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .map(|kib| kib.trim().parse::<u64>().unwrap() / 1024)
        .unwrap();
    let expected = (2 * nproc() + 1).min((total_mib / 256).max(1));
    let (value, log) = printenv(&workspace, &[]);
    assert_eq!(value, expected.to_string(), "{log}");
    assert!(
        log.contains("memory (no limit set; the machine's total)"),
        "{log}"
    );
}
