#!/usr/bin/env bash
# Builds a Rust (libcnb.rs) buildpack from a checkout of its source into a buildpack directory
# pack can use (`[[buildpacks]] uri = DIR` in a builder.toml):
#   DIR/buildpack.toml, DIR/bin/build (a static x86_64-unknown-linux-musl binary), DIR/bin/detect → build
#
#   tests/pack/build-peer.sh SOURCE_DIR OUT_DIR      prints OUT_DIR
#
# Used for heroku/procfile (https://github.com/heroku/buildpacks-procfile): nothing of a peer's
# code is kept in this repository; the tests take the checkout's path from
# $ASSETPACK_PROCFILE_SRC and skip, saying so, when it is absent. Builds with the toolchain this
# repo pins (--ignore-rust-version when the peer asks for a newer one) and its own Cargo.lock;
# the target dir is kept in $ASSETPACK_CACHE/pack/peers so rebuilds are quick.
set -euo pipefail
# shellcheck source=tests/pack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -eq 2 ]] || pack_die "usage: build-peer.sh SOURCE_DIR OUT_DIR"
src=$(cd "$1" && pwd) || pack_die "no such directory: $1"
out=$2
[[ -f $src/buildpack.toml && -f $src/Cargo.toml ]] ||
	pack_die "$src is not a libcnb.rs buildpack checkout (no buildpack.toml and Cargo.toml)"

target=x86_64-unknown-linux-musl
name=$(sed -n 's/^name = "\(.*\)"/\1/p' "$src/Cargo.toml" | head -n 1)
[[ -n $name ]] || pack_die "no package name in $src/Cargo.toml"
target_dir="$PACK_CACHE/peers/$name-target"
mkdir -p "$target_dir"

# The pinned toolchain of this repo (rust-toolchain.toml), not whatever the peer pins.
toolchain=$(sed -n 's/^channel = "\(.*\)"/\1/p' "$REPO_ROOT/rust-toolchain.toml")
rustup target list --installed --toolchain "$toolchain" | grep -qx "$target" ||
	rustup target add --toolchain "$toolchain" "$target" >&2
(
	cd "$src"
	pack_timed "cargo build $name" cargo "+$toolchain" build --release --locked --ignore-rust-version \
		--target "$target" --target-dir "$target_dir" --bin "$name" >&2
)

rm -rf "$out"
mkdir -p "$out/bin"
cp "$src/buildpack.toml" "$out/buildpack.toml"
cp "$target_dir/$target/release/$name" "$out/bin/build"
ln -s build "$out/bin/detect"
chmod -R a+rX "$out"
printf '%s\n' "$out"
