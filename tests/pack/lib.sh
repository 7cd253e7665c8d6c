# shellcheck shell=bash
# shellcheck disable=SC2034  # variables here are used by the scripts that source this file
# Settings and helpers for the pack tier (tests/pack/*.sh): pack v0.40.3 against podman's
# Docker-compatible API, our stack images, a local lifecycle. Source it; do not execute it.
# Every script that sources it uses `set -euo pipefail`.

PACK_DIR_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$PACK_DIR_REPO/../.." && pwd)

ASSETPACK_CACHE=${ASSETPACK_CACHE:-/var/tmp/assetpack-cache}
# Everything the pack tier keeps between runs: pack binary, lifecycle tarball, debootstrap rootfs tar.
PACK_CACHE="$ASSETPACK_CACHE/pack"

PACK_VERSION=v0.40.3
# Same lifecycle release as the bed (tests/bed/lib.sh); its binaries are reused.
PACK_LIFECYCLE_VERSION=0.21.0
PACK_BIN="$PACK_CACHE/bin/pack"
PACK_LIFECYCLE_TGZ="$PACK_CACHE/lifecycle-v$PACK_LIFECYCLE_VERSION.tgz"
# The name pack uses for untrusted builds (no --lifecycle-image needed); built locally.
PACK_LIFECYCLE_IMAGE="docker.io/buildpacksio/lifecycle:$PACK_LIFECYCLE_VERSION"

# Debian release of the stack and the image names (pack only reads these, so localhost/ is fine).
STACK_DEBIAN=${ASSETPACK_STACK_DEBIAN:-bookworm}
STACK_BASE_IMAGE="localhost/assetpack/debootstrap:$STACK_DEBIAN"
STACK_BUILD_IMAGE="localhost/assetpack/stack-build:$STACK_DEBIAN"
STACK_RUN_IMAGE="localhost/assetpack/stack-run:$STACK_DEBIAN"
# Tests only: the build image plus the host's extra CA certificates (this network intercepts TLS).
STACK_TEST_BUILD_IMAGE="localhost/assetpack/stack-build-testca:$STACK_DEBIAN"
# Tests only: a build image without libssl3 (the runtime check must name it).
STACK_NOSSL_BUILD_IMAGE="localhost/assetpack/stack-build-nossl:$STACK_DEBIAN"

# The podman API service the tests start (`DOCKER_HOST=unix://$PODMAN_SOCK`).
PODMAN_RUN_DIR=${ASSETPACK_PODMAN_RUN_DIR:-/run/assetpack-podman}
PODMAN_SOCK="$PODMAN_RUN_DIR/podman.sock"
PODMAN_PID_FILE="$PODMAN_RUN_DIR/podman.pid"
PODMAN_CONF=/etc/containers/containers.conf.d/50-assetpack-pack.conf

pack_say() {
	printf '[pack] %s\n' "$*" >&2
}

pack_die() {
	printf '[pack] error: %s\n' "$*" >&2
	exit 2
}

# Runs "$@" and reports how long it took on stderr ("[pack] TIME <label>: Ns").
pack_timed() {
	local label=$1 started=$SECONDS
	shift
	"$@"
	pack_say "TIME $label: $((SECONDS - started))s"
}

pack_service_alive() {
	[[ -S $PODMAN_SOCK ]] && curl -sf --max-time 5 --unix-socket "$PODMAN_SOCK" http://d/_ping >/dev/null 2>&1
}

# Starts `podman system service` on $PODMAN_SOCK unless one answers there already.
pack_service_start() {
	if pack_service_alive; then
		return 0
	fi
	mkdir -p "$PODMAN_RUN_DIR"
	rm -f "$PODMAN_SOCK"
	# setsid: the service outlives the calling script and its process group.
	setsid podman system service --time=0 "unix://$PODMAN_SOCK" >"$PODMAN_RUN_DIR/service.log" 2>&1 </dev/null &
	echo $! >"$PODMAN_PID_FILE"
	local _
	for _ in $(seq 100); do
		pack_service_alive && return 0
		sleep 0.2
	done
	pack_die "podman system service did not answer on $PODMAN_SOCK (log: $PODMAN_RUN_DIR/service.log)"
}

# Stops the service that pack_service_start started (by its recorded PID only).
pack_service_stop() {
	[[ -f $PODMAN_PID_FILE ]] || return 0
	local pid
	pid=$(cat "$PODMAN_PID_FILE")
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -q podman "/proc/$pid/cmdline" 2>/dev/null; then
		kill "$pid"
		local _
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -f "$PODMAN_PID_FILE" "$PODMAN_SOCK"
}

pack_env() {
	export DOCKER_HOST="unix://$PODMAN_SOCK"
}
