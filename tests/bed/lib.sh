# shellcheck shell=bash
# shellcheck disable=SC2034  # variables here are used by the scripts that source this file
# Shared settings and helpers for the host-only CNB test bed (tests/bed/*.sh).
# Source it; do not execute it.  Every script that sources it uses `set -euo pipefail`.

# The lifecycle release the bed is pinned to (see README.md for why v0.21.0).
LIFECYCLE_VERSION=v0.21.0
# Platform API used for every phase and for the launcher (what pack 0.40 + lifecycle 0.21 negotiate).
BED_PLATFORM_API=0.15

# Persistent, machine-wide cache (lifecycle binaries, Go build dir).  Must be readable by the build user.
ASSETPACK_CACHE=${ASSETPACK_CACHE:-/var/tmp/assetpack-cache}
# Unprivileged user that runs the lifecycle when the bed is invoked as root.
ASSETPACK_BUILD_USER=${ASSETPACK_BUILD_USER:-cnb}

LIFECYCLE_DIR="$ASSETPACK_CACHE/lifecycle/$LIFECYCLE_VERSION"

# Run image every build uses (its OCI layout: <workspace>/oci/index.docker.io/localhost/assetpack/run/test).
BED_RUN_IMAGE=localhost/assetpack/run:test
BED_DEFAULT_IMAGE=localhost/assetpack/app:test

# PATH handed to the lifecycle (and so to the buildpacks).  Deliberately not the caller's PATH,
# which on this machine points into /root (pyenv shims, cargo) where the build user cannot go.
BED_PATH=${ASSETPACK_BED_PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}

BED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Python used for the bed's own helper scripts (stdlib only, 3.11+ for tomllib).  The system
# interpreter is preferred: a pyenv shim costs ~0.4 s per call.
if [[ -z ${ASSETPACK_BED_PYTHON:-} && -x /usr/bin/python3 ]]; then
	BED_PYTHON=/usr/bin/python3
else
	BED_PYTHON=${ASSETPACK_BED_PYTHON:-python3}
fi

bed_say() {
	printf '[bed] %s\n' "$*"
}

bed_die() {
	printf '[bed] error: %s\n' "$*" >&2
	exit 2
}

bed_is_root() {
	[[ $(id -u) -eq 0 ]]
}

# Name of the user the lifecycle and the app run as: the `cnb` user when invoked as root,
# otherwise the invoking user.
bed_build_user() {
	if bed_is_root; then
		printf '%s\n' "$ASSETPACK_BUILD_USER"
	else
		id -un
	fi
}

bed_build_uid() {
	if bed_is_root; then
		id -u "$ASSETPACK_BUILD_USER"
	else
		id -u
	fi
}

bed_build_gid() {
	if bed_is_root; then
		id -g "$ASSETPACK_BUILD_USER"
	else
		id -g
	fi
}

bed_build_home() {
	local user home
	user=$(bed_build_user)
	home=$(getent passwd "$user" | cut -d: -f6)
	printf '%s\n' "${home:-/tmp}"
}

# bed_as_build_user CMD ARGS...
# Runs CMD with exactly the environment given in the array BED_ENV (KEY=VALUE entries, nothing
# inherited), as the build user.  When root, setpriv drops to the build user first.
bed_as_build_user() {
	if bed_is_root; then
		setpriv --reuid="$ASSETPACK_BUILD_USER" --regid="$(bed_build_gid)" --init-groups \
			env -i "${BED_ENV[@]}" "$@"
	else
		env -i "${BED_ENV[@]}" "$@"
	fi
}

# Same as bed_as_build_user, but replaces the current process (PID is kept).
bed_exec_as_build_user() {
	if bed_is_root; then
		exec setpriv --reuid="$ASSETPACK_BUILD_USER" --regid="$(bed_build_gid)" --init-groups \
			env -i "${BED_ENV[@]}" "$@"
	else
		exec env -i "${BED_ENV[@]}" "$@"
	fi
}

# Refuse workspace paths the lifecycle cannot handle: the layout dir ends up inside an image
# reference, which go-containerregistry only accepts in [a-z0-9._/-].
bed_check_workspace_path() {
	local ws=$1
	[[ -n $ws ]] || bed_die "--workspace is required"
	[[ $ws == /* ]] || bed_die "workspace '$ws' must be an absolute path"
	[[ $ws =~ ^/[a-z0-9._/-]+$ ]] ||
		bed_die "workspace '$ws' may only contain [a-z0-9._/-] (the OCI layout path becomes part of an image reference, which must be lowercase)"
	[[ ! $ws =~ (^|/)\.\.?(/|$) ]] || bed_die "workspace '$ws' must not contain '.' or '..' components"
	[[ $ws != / ]] || bed_die "workspace must not be /"
}

# Strip trailing slashes (and collapse '//') so paths compare and embed cleanly.
bed_normalize_path() {
	local p=$1
	while [[ $p == *//* ]]; do p=${p//\/\//\/}; done
	while [[ $p == */ && $p != / ]]; do p=${p%/}; done
	printf '%s\n' "$p"
}

# When root: every ancestor of PATH must be traversable by the build user, or the lifecycle
# (running as that user) cannot reach the workspace.
bed_check_traversable() {
	local path=$1 dir
	bed_is_root || return 0
	dir=$(dirname "$path")
	while [[ $dir != / ]]; do
		if [[ -d $dir ]] && ! setpriv --reuid="$ASSETPACK_BUILD_USER" --regid="$(bed_build_gid)" --init-groups \
			test -x "$dir"; then
			bed_die "the build user '$ASSETPACK_BUILD_USER' cannot traverse '$dir' (needed to reach '$path'); run: chmod o+x '$dir'"
		fi
		dir=$(dirname "$dir")
	done
}

# Seconds (2 decimals) between two $EPOCHREALTIME values.
bed_elapsed() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'
}

# Escape a buildpack id the way the lifecycle does for directory names ("/" -> "_").
bed_escape_id() {
	printf '%s\n' "${1//\//_}"
}
