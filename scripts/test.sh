#!/usr/bin/env bash
# The test command (CI runs it through .ci/run): formatting and lints, unit tests, then the
# integration tests, which build the fixtures in test-fixtures/ with the real CNB lifecycle,
# run them from the exported image and talk to them over HTTP.
#
# The pack tier then runs the same kind of builds with pack in containers (tests/pack/).
#
# Needs: rustup, Go, python3, and root (the pack tier's setup; the bed alone runs as a user that
# can write /var/tmp, with ASSETPACK_SKIP_PACK_TIER=1). Everything else
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

# The pack tier: pack build in containers on our stack (tests/pack/main.rs). Its setup installs
# podman, runc, debootstrap and musl-tools with apt and builds pack, the lifecycle tarball and
# the stack images (cached in /var/tmp/assetpack-cache/pack): it needs root.
# ASSETPACK_SKIP_PACK_TIER=1 skips it (say so in the test report).
if [[ ${ASSETPACK_SKIP_PACK_TIER:-} == 1 ]]; then
	say "SKIPPED the pack tier (ASSETPACK_SKIP_PACK_TIER=1)"
	exit 0
fi
[[ $(id -u) -eq 0 ]] || {
	echo "The pack tier's setup needs root (tests/pack/setup.sh); run as root or set ASSETPACK_SKIP_PACK_TIER=1." >&2
	exit 1
}
say "Pack tier setup (podman, pack $(sed -n 's/^PACK_VERSION=//p' tests/pack/lib.sh), lifecycle, stack images)"
started=$SECONDS
bash tests/pack/setup.sh
echo "pack tier set up in $((SECONDS - started))s"

say "Pack tier (pack build in containers)"
if ! bash tests/pack/service.sh status; then
	trap 'bash tests/pack/service.sh stop' EXIT
fi
[[ -n ${ASSETPACK_PROCFILE_SRC:-} ]] ||
	echo "heroku/procfile composition will be skipped: set ASSETPACK_PROCFILE_SRC to a checkout of https://github.com/heroku/buildpacks-procfile"
started=$SECONDS
cargo test --locked --test pack -- --ignored --test-threads 1
echo "pack tier ran in $((SECONDS - started))s"
