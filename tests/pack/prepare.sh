#!/usr/bin/env bash
# Prepares one run of the pack tier (after tests/pack/setup.sh): starts the podman API service,
# packages the buildpack with the bed's inventories (the CPython and Node.js archives
# tests/bed/prepare.sh made, served to builds by tests/bed/mirror.py on the host's loopback),
# and creates the test builders from builder.toml. Prints `key=value` lines:
#   docker_host=unix://...           DOCKER_HOST for pack, podman and docker
#   pack=PATH                        the pack binary
#   cnb=PATH                         the buildpackage file (also the image assetpack/python-buildpack:test)
#   builder=NAME                     our buildpackage on the stack (build image with the test CAs)
#   nossl_builder=NAME               the same on a build image without libssl3
#   compose_builder=NAME             groups [node-provider, ours, heroku/procfile?] and [ours, heroku/procfile?]
#   node_home=DIR                    a Node.js the node-provider links (mounted at /opt/node-provider)
#   procfile=PATH | procfile=absent: WHY
#
#   tests/pack/prepare.sh --out DIR
#
# heroku/procfile is built (tests/pack/build-peer.sh) from the checkout $ASSETPACK_PROCFILE_SRC
# when that is set and exists.
set -euo pipefail
# shellcheck source=tests/pack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ ${1:-} == --out && -n ${2:-} ]] || pack_die "usage: prepare.sh --out DIR"
out=$2
mkdir -p "$out"
out=$(cd "$out" && pwd)
[[ -x $PACK_BIN && -s $PACK_LIFECYCLE_TGZ ]] || pack_die "run tests/pack/setup.sh first (as root)"
python_inventory="$ASSETPACK_CACHE/python-archives/inventory.toml"
node_archives="$ASSETPACK_CACHE/node-archives"
[[ -f $python_inventory && -f $node_archives/inventory.toml ]] || pack_die "run tests/bed/prepare.sh first"

pack_service_start
pack_env
printf 'docker_host=%s\npack=%s\n' "$DOCKER_HOST" "$PACK_BIN"

# App images, builders and buildpackages that earlier runs replaced (untagged) only take space.
for label in io.buildpacks.lifecycle.metadata io.buildpacks.builder.metadata io.buildpacks.buildpackage.metadata; do
	podman images -q --filter dangling=true --filter "label=$label" | xargs -r podman rmi -f >/dev/null 2>&1 || true
done

cnb=$(PACK=$PACK_BIN pack_timed "buildpackage" bash "$REPO_ROOT/scripts/buildpackage.sh" --out "$out/buildpackage" \
	--image assetpack/python-buildpack:test --inventory "$python_inventory" \
	--node-inventory "$node_archives/inventory.toml" 2>"$out/buildpackage.log") ||
	{ cat "$out/buildpackage.log" >&2; pack_die "packaging failed"; }
printf 'cnb=%s\n' "$cnb"

config() { /usr/bin/python3 "$PACK_DIR_REPO/builder-config.py" --lifecycle "$PACK_LIFECYCLE_TGZ" "$@"; }
create() { # NAME CONFIG
	pack_timed "builder $1" "$PACK_BIN" builder create "$1" --config "$2" --pull-policy never \
		>"$2.log" 2>&1 || { cat "$2.log" >&2; pack_die "pack builder create $1 failed"; }
}

config --out "$out/builder.toml" --buildpack "$cnb" --build-image "$STACK_TEST_BUILD_IMAGE"
create assetpack-python-test-builder:bookworm "$out/builder.toml"
printf 'builder=%s\n' assetpack-python-test-builder:bookworm

config --out "$out/builder-nossl.toml" --buildpack "$cnb" --build-image "$STACK_NOSSL_BUILD_IMAGE"
create assetpack-python-nossl-builder:bookworm "$out/builder-nossl.toml"
printf 'nossl_builder=%s\n' assetpack-python-nossl-builder:bookworm

# A Node.js for the node-provider to link (the build image has none): the newest archive.
node_version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$node_archives/inventory.toml" | head -n 1)
node_home="$out/node-v$node_version"
if [[ ! -x $node_home/bin/node ]]; then
	rm -rf "$node_home" "$node_home.tmp"
	mkdir -p "$node_home.tmp"
	tar -xzf "$node_archives/v$node_version/node-v$node_version-linux-x64.tar.gz" -C "$node_home.tmp" --strip-components 1
	mv "$node_home.tmp" "$node_home"
fi
printf 'node_home=%s\n' "$node_home"

# The composition builder: the buildpackage *image* (the .cnb is used above), the test
# node-provider, and heroku/procfile when its source is here.
compose_args=(--buildpack docker://docker.io/assetpack/python-buildpack:test
	--buildpack "$REPO_ROOT/tests/bed/buildpacks/node-provider")
procfile_src=${ASSETPACK_PROCFILE_SRC:-}
if [[ -n $procfile_src && -f $procfile_src/buildpack.toml ]]; then
	procfile=$(bash "$PACK_DIR_REPO/build-peer.sh" "$procfile_src" "$out/peers/procfile" 2>"$out/procfile.log") ||
		{ cat "$out/procfile.log" >&2; pack_die "building heroku/procfile from $procfile_src failed"; }
	printf 'procfile=%s\n' "$procfile"
	compose_args+=(--buildpack "$procfile"
		--group 'assetpack-test/node-provider,assetpack/python,heroku/procfile?'
		--group 'assetpack/python,heroku/procfile?')
elif [[ -n $procfile_src ]]; then
	printf 'procfile=absent: ASSETPACK_PROCFILE_SRC=%s has no buildpack.toml\n' "$procfile_src"
	compose_args+=(--group 'assetpack-test/node-provider,assetpack/python' --group 'assetpack/python')
else
	printf 'procfile=absent: set ASSETPACK_PROCFILE_SRC to a checkout of https://github.com/heroku/buildpacks-procfile\n'
	compose_args+=(--group 'assetpack-test/node-provider,assetpack/python' --group 'assetpack/python')
fi
config --out "$out/builder-compose.toml" --build-image "$STACK_TEST_BUILD_IMAGE" "${compose_args[@]}"
create assetpack-python-compose-builder:bookworm "$out/builder-compose.toml"
printf 'compose_builder=%s\n' assetpack-python-compose-builder:bookworm
