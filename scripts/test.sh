#!/usr/bin/env bash
# The test command (CI runs it through .ci/run): formatting and lints, unit tests, then the
# integration tests, which build the fixtures in test-fixtures/ with the real CNB lifecycle,
# run them from the exported image and talk to them over HTTP.
#
# Needs: rustup, Go, python3, and root or a user that can write /var/tmp. Everything else
# (the pinned Rust toolchain, the lifecycle, CPython archives, apt build dependencies) is
# installed on first use and cached in /var/tmp/assetpack-cache.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

check_host_tools
ensure_rust_toolchain

say "Formatting and lints"
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings

say "Unit tests"
cargo test --locked

say "Preparing the test bed (lifecycle, build user, CPython archives)"
started=$SECONDS
bash tests/bed/prepare.sh
echo "prepared in $((SECONDS - started))s"

say "Integration tests (real lifecycle)"
cargo test --locked --test integration -- --ignored --test-threads "${ASSETPACK_TEST_THREADS:-3}"
