#!/usr/bin/env bash
# Installs and configures everything the pack tier needs on a Debian 12 machine, as root.
# Idempotent: every step checks first and reuses what $ASSETPACK_CACHE/pack keeps (a warm run
# takes seconds). Steps:
#   1. Debian packages: podman runc uidmap debootstrap (+ curl binutils zstd musl-tools), and the
#      x86_64-unknown-linux-musl target of the pinned Rust toolchain (the buildpackage's binary).
#   2. /etc/containers/containers.conf.d/50-assetpack-pack.conf: runc, cgroupfs, file events,
#      rlimits this sandbox allows.
#   3. pack v0.40.3, built from the Go module proxy → $ASSETPACK_CACHE/pack/bin/pack.
#   4. The lifecycle tarball for builder.toml (the bed's lifecycle v0.21.0 binaries, packaged by
#      lifecycle's own tools/packager) and a local docker.io/buildpacksio/lifecycle:0.21.0 image
#      for untrusted builds.
#   5. The stack: a debootstrap'ed bookworm rootfs (cached as a tar), imported as the base image;
#      stack/bookworm/{build,run}.Dockerfile on it; and two test-only build images: one with the
#      host's extra CA certificates (this network intercepts TLS), one without libssl3.
#   6. Checks that stack/bookworm/run-packages.txt lists every package the CPython archives in
#      $ASSETPACK_CACHE/python-archives need (stack/run-image-packages.sh --check).
# Needs: root, Debian 12, go >= 1.25 on PATH, network to Debian's mirrors and the Go module proxy
# on the first run. Prints what it did with timings on stderr.
set -euo pipefail
# shellcheck source=tests/pack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $(id -u) -eq 0 ]] || pack_die "setup.sh must run as root (apt, containers.conf, podman storage)"
started_all=$SECONDS
umask 022
mkdir -p "$PACK_CACHE/bin"
chmod a+rx "$ASSETPACK_CACHE" "$PACK_CACHE"
exec 8>"$PACK_CACHE/.setup.lock"
flock 8

# 1. Debian packages.
packages=(podman runc uidmap debootstrap curl binutils zstd musl-tools)
missing=()
for p in "${packages[@]}"; do
	[[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || missing+=("$p")
done
if ((${#missing[@]})); then
	pack_say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi

# 2. Container engine configuration (a drop-in: the distribution's own files stay untouched).
conf=$(
	cat <<'CONF'
# Written by tests/pack/setup.sh (assetpack/python pack tier).
[containers]
log_driver = "k8s-file"
# podman asks for nofile/nproc limits this sandbox cannot grant ("error setting rlimit").
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
# crun fails on this host's cgroup setup; runc works.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
)
if [[ ! -f $PODMAN_CONF || $(cat "$PODMAN_CONF") != "$conf" ]]; then
	mkdir -p "$(dirname "$PODMAN_CONF")"
	printf '%s\n' "$conf" >"$PODMAN_CONF"
	pack_say "wrote $PODMAN_CONF"
fi

# The buildpackage's static binary: the musl target of the pinned toolchain (scripts/test.sh
# installs the toolchain first).
if command -v rustup >/dev/null; then
	toolchain=$(sed -n 's/^channel = "\(.*\)"/\1/p' "$REPO_ROOT/rust-toolchain.toml")
	rustup target list --installed --toolchain "$toolchain" 2>/dev/null | grep -qx x86_64-unknown-linux-musl ||
		rustup target add --toolchain "$toolchain" x86_64-unknown-linux-musl >&2
fi

command -v go >/dev/null || pack_die "go is not on PATH (needed to build pack $PACK_VERSION)"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

# 3. pack, through a wrapper module that repeats pack's own replace directive (a plain
#    `go install github.com/buildpacks/pack@v0.40.3` refuses modules with replace directives).
if [[ $("$PACK_BIN" version 2>/dev/null || true) != "${PACK_VERSION#v}"* ]]; then
	pack_say "building pack $PACK_VERSION (a few minutes on a cold Go cache)"
	src="$PACK_CACHE/src-pack"
	rm -rf "$src"
	mkdir -p "$src"
	printf 'module assetpack.local/packwrap\n\ngo 1.25\n\nrequire github.com/buildpacks/pack %s\n\nreplace github.com/BurntSushi/toml => github.com/BurntSushi/toml v1.3.2\n' \
		"$PACK_VERSION" >"$src/go.mod"
	printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/buildpacks/pack"\n' >"$src/tools.go"
	(
		cd "$src"
		pack_timed "go mod tidy (pack)" go mod tidy >&2
		pack_timed "go build (pack)" env CGO_ENABLED=0 go build -trimpath \
			-ldflags "-s -w -X 'github.com/buildpacks/pack/pkg/client.Version=${PACK_VERSION#v}'" \
			-o "$PACK_BIN.tmp" github.com/buildpacks/pack >&2
	)
	mv "$PACK_BIN.tmp" "$PACK_BIN"
	rm -rf "$src"
fi
pack_say "pack $("$PACK_BIN" version)"

# 4. Lifecycle tarball (from the bed's static binaries) and lifecycle image.
if [[ ! -s $PACK_LIFECYCLE_TGZ ]]; then
	lc_bin=$("$REPO_ROOT/tests/bed/install-lifecycle.sh")
	pack_say "packaging lifecycle $PACK_LIFECYCLE_VERSION"
	go mod download "github.com/buildpacks/lifecycle@v$PACK_LIFECYCLE_VERSION"
	lc_src="$PACK_CACHE/src-lifecycle"
	stage="$PACK_CACHE/stage-lifecycle"
	rm -rf "$lc_src" "$stage"
	cp -r "$(go env GOMODCACHE)/github.com/buildpacks/lifecycle@v$PACK_LIFECYCLE_VERSION" "$lc_src"
	chmod -R u+w "$lc_src"
	mkdir -p "$stage/lifecycle"
	cp "$lc_bin/lifecycle" "$lc_bin/launcher" "$stage/lifecycle/"
	for phase in detector analyzer restorer builder exporter rebaser creator extender; do
		ln -s lifecycle "$stage/lifecycle/$phase"
	done
	(
		cd "$lc_src"
		go run ./tools/packager/main.go -inputDir "$stage/lifecycle" -archivePath "$PACK_LIFECYCLE_TGZ.tmp" \
			-descriptorPath lifecycle.toml -version "$PACK_LIFECYCLE_VERSION" >&2
	)
	mv "$PACK_LIFECYCLE_TGZ.tmp" "$PACK_LIFECYCLE_TGZ"
	rm -rf "$lc_src" "$stage" "$PACK_LIFECYCLE_TGZ.tmp.sha256"
fi

# 5. The stack. debootstrap once; the rootfs is kept as a tar so a wiped podman store re-imports it.
rootfs_tar="$PACK_CACHE/rootfs-$STACK_DEBIAN.tar"
if [[ ! -s $rootfs_tar ]]; then
	rootfs="$PACK_CACHE/rootfs-$STACK_DEBIAN"
	rm -rf "$rootfs"
	started=$SECONDS
	debootstrap --variant=minbase "$STACK_DEBIAN" "$rootfs" http://deb.debian.org/debian \
		>"$PACK_CACHE/debootstrap.log" 2>&1 || pack_die "debootstrap failed (log: $PACK_CACHE/debootstrap.log)"
	pack_say "TIME debootstrap $STACK_DEBIAN: $((SECONDS - started))s"
	# Same sources as Debian's official images: the release, its updates and security updates.
	rm -f "$rootfs/etc/apt/sources.list"
	cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: $STACK_DEBIAN $STACK_DEBIAN-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: $STACK_DEBIAN-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
	rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
	tar --numeric-owner -C "$rootfs" -cf "$rootfs_tar.tmp" .
	mv "$rootfs_tar.tmp" "$rootfs_tar"
	rm -rf "$rootfs"
fi
if ! podman image exists "$STACK_BASE_IMAGE"; then
	pack_timed "podman import" podman import -q "$rootfs_tar" "$STACK_BASE_IMAGE" >/dev/null
fi

stack_dir="$REPO_ROOT/stack/$STACK_DEBIAN"
mkdir -p "$PACK_CACHE/logs"
build_image() { # NAME DOCKERFILE CONTEXT [podman build args...]
	local name=$1 file=$2 context=$3 started=$SECONDS log
	log="$PACK_CACHE/logs/image-$(basename "${name%%:*}").log"
	shift 3
	podman build --layers --build-arg "BASE_IMAGE=$STACK_BASE_IMAGE" "$@" -t "$name" -f "$file" "$context" \
		>"$log" 2>&1 || { tail -n 30 "$log" >&2; pack_die "building $name failed (log: $log)"; }
	pack_say "TIME image $name: $((SECONDS - started))s"
}
build_image "$STACK_BUILD_IMAGE" "$stack_dir/build.Dockerfile" "$stack_dir"
build_image "$STACK_RUN_IMAGE" "$stack_dir/run.Dockerfile" "$stack_dir"

# Tests only: the host's extra CA certificates (never part of the images users get).
ca_context="$PACK_CACHE/testca-context"
rm -rf "$ca_context"
mkdir -p "$ca_context/certs"
cp /usr/local/share/ca-certificates/*.crt "$ca_context/certs/" 2>/dev/null || true
build_image "$STACK_TEST_BUILD_IMAGE" "$PACK_DIR_REPO/testca.Dockerfile" "$ca_context" \
	--build-arg "BUILD_IMAGE=$STACK_BUILD_IMAGE"
build_image "$STACK_NOSSL_BUILD_IMAGE" "$PACK_DIR_REPO/nossl.Dockerfile" "$PACK_DIR_REPO" \
	--build-arg "RUN_IMAGE=$STACK_RUN_IMAGE"

# The lifecycle image pack uses for untrusted builds (the official one comes from Docker Hub).
lc_context="$PACK_CACHE/lifecycle-context"
rm -rf "$lc_context"
mkdir -p "$lc_context"
cp "$PACK_LIFECYCLE_TGZ" "$lc_context/lifecycle.tgz"
apis=$(tar -xzOf "$PACK_LIFECYCLE_TGZ" lifecycle.toml | python3 -c '
import json, sys, tomllib
apis = tomllib.loads(sys.stdin.read())["apis"]
print(json.dumps(apis, separators=(",", ":")))')
build_image "$PACK_LIFECYCLE_IMAGE" "$PACK_DIR_REPO/lifecycle.Dockerfile" "$lc_context" \
	--label "io.buildpacks.lifecycle.version=$PACK_LIFECYCLE_VERSION" --label "io.buildpacks.lifecycle.apis=$apis"
rm -rf "$ca_context" "$lc_context"

# 6. The run image contract covers what the archives need.
shopt -s nullglob
archives=("$ASSETPACK_CACHE"/python-archives/python-*.tar.zst)
if ((${#archives[@]})); then
	bash "$REPO_ROOT/stack/run-image-packages.sh" --check "$stack_dir/run-packages.txt" "${archives[@]}"
	pack_say "run-packages.txt covers ${#archives[@]} CPython archive(s)"
else
	pack_say "no CPython archives yet (tests/bed/prepare.sh builds them): run-packages.txt not checked"
fi

pack_say "setup done in $((SECONDS - started_all))s"
