#!/usr/bin/env bash
# Builds the CNB lifecycle + launcher (pinned: $LIFECYCLE_VERSION) from the Go module proxy into
#   $ASSETPACK_CACHE/lifecycle/<version>/{lifecycle,launcher,analyzer,detector,restorer,builder,exporter,creator}
# and prints that directory on stdout.  Idempotent: does nothing when the binaries are there and
# `lifecycle -version` reports the pinned version.  Safe to run concurrently (flock).
#
# Needs: go (>= 1.25.5, GOTOOLCHAIN=local is fine) and access to the Go module proxy on first run.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

want=${LIFECYCLE_VERSION#v}
phases=(detector analyzer restorer builder exporter creator)

is_installed() {
	[[ -x $LIFECYCLE_DIR/lifecycle && -x $LIFECYCLE_DIR/launcher ]] || return 1
	local v
	v=$("$LIFECYCLE_DIR/lifecycle" -version 2>/dev/null) || return 1
	[[ $v == "$want" ]] || return 1
	local p
	for p in "${phases[@]}"; do
		[[ -L $LIFECYCLE_DIR/$p ]] || return 1
	done
}

umask 022
mkdir -p "$ASSETPACK_CACHE/lifecycle"
chmod a+rx "$ASSETPACK_CACHE" "$ASSETPACK_CACHE/lifecycle" 2>/dev/null || true

if is_installed; then
	printf '%s\n' "$LIFECYCLE_DIR"
	exit 0
fi

exec 9>"$ASSETPACK_CACHE/lifecycle/.install-$LIFECYCLE_VERSION.lock"
flock 9
if is_installed; then # someone else finished while we waited
	printf '%s\n' "$LIFECYCLE_DIR"
	exit 0
fi

command -v go >/dev/null || bed_die "go is not on PATH (needed to build lifecycle $LIFECYCLE_VERSION)"

# A throwaway wrapper module: `go install pkg@version` of newer tags fails here (see README.md),
# `go get` into a local module and `go build` works.
src="$ASSETPACK_CACHE/lifecycle/src-$LIFECYCLE_VERSION"
stage="$ASSETPACK_CACHE/lifecycle/.stage-$LIFECYCLE_VERSION"
rm -rf "$src" "$stage"
mkdir -p "$src" "$stage"

echo "[bed] building lifecycle $LIFECYCLE_VERSION (first run takes a few minutes)" >&2
(
	cd "$src"
	export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
	go mod init local/lc >/dev/null 2>&1
	go get "github.com/buildpacks/lifecycle/cmd/lifecycle@$LIFECYCLE_VERSION" \
		"github.com/buildpacks/lifecycle/cmd/launcher@$LIFECYCLE_VERSION" >&2
	go build -trimpath -ldflags "-s -w -X github.com/buildpacks/lifecycle/cmd.Version=$want" \
		-o "$stage/" github.com/buildpacks/lifecycle/cmd/lifecycle github.com/buildpacks/lifecycle/cmd/launcher >&2
)
for p in "${phases[@]}"; do
	ln -s lifecycle "$stage/$p"
done
chmod -R a+rX "$stage"

got=$("$stage/lifecycle" -version)
[[ $got == "$want" ]] || bed_die "built lifecycle reports version '$got', expected '$want'"

rm -rf "$LIFECYCLE_DIR"
mv "$stage" "$LIFECYCLE_DIR"
rm -rf "$src"
echo "[bed] lifecycle $LIFECYCLE_VERSION installed" >&2
printf '%s\n' "$LIFECYCLE_DIR"
