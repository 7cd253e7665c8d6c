#!/usr/bin/env bash
# Packages the buildpack as a buildpackage with pack: a static binary for linux/amd64
# (x86_64-unknown-linux-musl, runs on any build image), the buildpack directory that package.toml
# names (packaged/x86_64-unknown-linux-musl/release/assetpack_python, the path
# `cargo libcnb package` writes), and `pack buildpack package` from package.toml to a .cnb file
# and, with --image, to an image in the Docker (or podman) daemon.
#
#   scripts/buildpackage.sh [--out DIR] [--image NAME] [--inventory FILE] [--node-inventory FILE]
#
#   --out DIR             where package.toml, packaged/ and assetpack-python.cnb go (default: the
#                         repository root; another DIR gets a copy of package.toml)
#   --image NAME          also write the buildpackage image NAME (needs DOCKER_HOST or
#                         /var/run/docker.sock)
#   --inventory FILE      the Python inventory to carry (default: inventory/python.toml)
#   --node-inventory FILE the Node.js inventory to carry (default: inventory/nodejs.toml)
#
# Needs: the Rust toolchain with the x86_64-unknown-linux-musl target and musl-tools (the C
# parts of ring and zstd), and pack ($PACK, else `pack` on PATH, else the one
# tests/pack/setup.sh builds). Prints the .cnb path.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out=$REPO_ROOT image='' inventory="$REPO_ROOT/inventory/python.toml" node_inventory=''
[[ -f $REPO_ROOT/inventory/nodejs.toml ]] && node_inventory="$REPO_ROOT/inventory/nodejs.toml"
while [[ $# -gt 0 ]]; do
	case $1 in
	--out) out=$2; shift 2 ;;
	--image) image=$2; shift 2 ;;
	--inventory) inventory=$2; shift 2 ;;
	--node-inventory) node_inventory=$2; shift 2 ;;
	*) echo "unknown argument: $1" >&2; exit 2 ;;
	esac
done
pack=${PACK:-$(command -v pack || echo "${ASSETPACK_CACHE:-/var/tmp/assetpack-cache}/pack/bin/pack")}
[[ -x $pack ]] || { echo "pack not found: install it, set PACK, or run tests/pack/setup.sh" >&2; exit 1; }

target=x86_64-unknown-linux-musl
(cd "$REPO_ROOT" && cargo build --release --locked --quiet --target "$target")

mkdir -p "$out"
out=$(cd "$out" && pwd)
if [[ $out != "$REPO_ROOT" ]]; then
	cp "$REPO_ROOT/package.toml" "$out/package.toml"
fi
args=(--out "$out/packaged/$target/release/assetpack_python" --binary "$REPO_ROOT/target/$target/release/assetpack-python"
	--inventory "$inventory")
[[ -n $node_inventory ]] && args+=(--node-inventory "$node_inventory")
bash "$BED/package-buildpack.sh" "${args[@]}" >/dev/null

cnb="$out/assetpack-python.cnb"
rm -f "$cnb" "$out"/assetpack-python-linux-*.cnb
# --target: without it pack makes one package per [[targets]] entry of buildpack.toml (also an
# arm64 one, with this amd64 binary in it).
"$pack" buildpack package "$cnb" --config "$out/package.toml" --format file --target linux/amd64 \
	--pull-policy never >&2
if [[ -n $image ]]; then
	"$pack" buildpack package "$image" --config "$out/package.toml" --target linux/amd64 \
		--pull-policy never >&2
fi
printf '%s\n' "$cnb"
