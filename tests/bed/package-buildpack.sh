#!/usr/bin/env bash
# Assembles a buildpack directory (buildpack.toml, bin/build, bin/detect → build, inventory/)
# the lifecycle can run, from a compiled buildpack binary.
#
#   package-buildpack.sh --out DIR [--binary PATH] [--inventory FILE] [--node-inventory FILE]
#
# Without --binary it runs `cargo build --release` and uses target/release/assetpack-python
# (a host-glibc binary: the bed's build and run userland is this host). Without --inventory the
# repo's inventory/python.toml is used. --node-inventory becomes inventory/nodejs.toml; without
# it the repo's inventory/nodejs.toml is used if there is one (else the buildpack gets none).
# libcnb picks detect or build from argv[0].
set -euo pipefail
# shellcheck source=tests/bed/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root=$(cd "$BED_DIR/../.." && pwd)

out='' binary='' inventory="$repo_root/inventory/python.toml" node_inventory=''
[[ -f $repo_root/inventory/nodejs.toml ]] && node_inventory="$repo_root/inventory/nodejs.toml"
while [[ $# -gt 0 ]]; do
	case $1 in
	--out) out=$2; shift 2 ;;
	--binary) binary=$2; shift 2 ;;
	--inventory) inventory=$2; shift 2 ;;
	--node-inventory) node_inventory=$2; shift 2 ;;
	*) bed_die "unknown argument: $1" ;;
	esac
done
[[ -n $out ]] || bed_die "usage: package-buildpack.sh --out DIR [--binary PATH] [--inventory FILE] [--node-inventory FILE]"
[[ -f $inventory ]] || bed_die "inventory file not found: $inventory"
[[ -z $node_inventory || -f $node_inventory ]] || bed_die "Node.js inventory file not found: $node_inventory"

if [[ -z $binary ]]; then
	(cd "$repo_root" && cargo build --release --quiet)
	binary="$repo_root/target/release/assetpack-python"
fi
[[ -x $binary ]] || bed_die "buildpack binary not found or not executable: $binary"

rm -rf "$out"
mkdir -p "$out/bin" "$out/inventory"
cp "$repo_root/buildpack.toml" "$out/buildpack.toml"
cp "$binary" "$out/bin/build"
ln -s build "$out/bin/detect"
cp "$inventory" "$out/inventory/python.toml"
if [[ -n $node_inventory ]]; then
	cp "$node_inventory" "$out/inventory/nodejs.toml"
fi
chmod -R a+rX "$out"
printf '%s\n' "$out"
