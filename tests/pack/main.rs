//! The pack tier: the buildpack as users run it. `pack build` (v0.40.3) against podman's
//! Docker-compatible API, with our buildpackage in builders made from builder.toml on the
//! Debian 12 stack in `stack/`; the images run with `podman run`. The bed tier
//! (`tests/integration`) covers behaviour in depth on the host; this tier covers what only real
//! containers show: the packaged buildpack, the build and run images, trusted and untrusted
//! builds, composition with other buildpacks.
//!
//! `#[ignore]`d like the bed tests. Run `tests/pack/setup.sh` (root) and `tests/bed/prepare.sh`
//! first, then `cargo test --test pack -- --ignored --test-threads 1`; `scripts/test.sh` does all
//! of it.

#![allow(
    clippy::unwrap_used,
    reason = "test harness code: a failed setup step should panic"
)]

#[allow(
    dead_code,
    unreachable_pub,
    reason = "shared with tests/integration, which uses the parts this tier doesn't"
)]
#[path = "../integration/support.rs"]
mod support;

mod pack_support;

mod compose_test;
mod django_test;
mod errors_test;
mod flask_test;
