//! Integration tests: real builds with the real CNB lifecycle (`tests/bed/`), real CPython
//! archives from a local mirror, real packages from PyPI, and real HTTP to the running app.
//! They are `#[ignore]`d so `cargo test` stays quick: run them with `scripts/test.sh` (or
//! `tests/bed/prepare.sh` then `cargo test -- --ignored`).

#![allow(
    clippy::unwrap_used,
    reason = "test harness code: a failed setup step should panic"
)]

mod support;

mod committed_venv_test;
mod django_test;
mod download_test;
mod flask_test;
mod install_groups_test;
mod layer_cache_test;
mod node_test;
mod package_manager_support;
mod pipenv_test;
mod poetry_test;
mod python_version_test;
mod real_apps_test;
mod sbom_test;
mod security_test;
mod staticfiles_test;
mod uv_test;
mod web_concurrency_test;
