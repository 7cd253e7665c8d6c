#!/usr/bin/env bash
# Makes sure the unprivileged build user exists and prints "<name> <uid> <gid> <home>".
# As root: creates $ASSETPACK_BUILD_USER (default `cnb`) with a home directory and bash as shell
# if it is missing (uid picked by useradd; 1000 is preferred when free).
# As non-root: the invoking user is the build user; nothing is created.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if bed_is_root && ! id -u "$ASSETPACK_BUILD_USER" >/dev/null 2>&1; then
	exec 9>"${TMPDIR:-/tmp}/assetpack-bed-user.lock"
	flock 9
	if ! id -u "$ASSETPACK_BUILD_USER" >/dev/null 2>&1; then
		args=(--create-home --shell /bin/bash --user-group)
		if ! getent passwd 1000 >/dev/null && ! getent group 1000 >/dev/null; then
			args+=(--uid 1000)
		fi
		useradd "${args[@]}" "$ASSETPACK_BUILD_USER"
		echo "[bed] created build user '$ASSETPACK_BUILD_USER'" >&2
	fi
fi

printf '%s %s %s %s\n' "$(bed_build_user)" "$(bed_build_uid)" "$(bed_build_gid)" "$(bed_build_home)"
