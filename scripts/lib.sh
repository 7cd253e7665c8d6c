# shellcheck shell=bash
# Helpers shared by scripts/*.sh. Source it; do not execute it.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BED="$REPO_ROOT/tests/bed"

say() { printf '\n==> %s\n' "$*"; }

# Installs the Rust toolchain pinned in rust-toolchain.toml (with clippy and rustfmt).
ensure_rust_toolchain() {
	local channel
	channel=$(sed -n 's/^channel = "\(.*\)"/\1/p' "$REPO_ROOT/rust-toolchain.toml")
	if ! rustup run "$channel" cargo --version >/dev/null 2>&1 ||
		! rustup run "$channel" cargo clippy --version >/dev/null 2>&1 ||
		! rustup run "$channel" cargo fmt --version >/dev/null 2>&1; then
		rustup toolchain install "$channel" --profile minimal --component clippy,rustfmt
	fi
}

# Checks the tools the bed needs that this repo can't install itself.
check_host_tools() {
	local missing=()
	for tool in go python3 setpriv curl npm; do
		command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
	done
	if ((${#missing[@]})); then
		printf 'Missing tools: %s\n' "${missing[*]}" >&2
		printf 'Install them (Go >= 1.25 from the Go toolchain, python3, util-linux, curl, npm) and rerun.\n' >&2
		exit 1
	fi
}

# Starts tests/bed/mirror.py serving $1 on a free port; sets MIRROR_URL and MIRROR_PID.
start_mirror() {
	local port_file
	port_file=$(mktemp)
	rm -f "$port_file"
	python3 "$BED/mirror.py" --root "$1" --port-file "$port_file" >/dev/null 2>&1 &
	MIRROR_PID=$!
	for _ in $(seq 100); do
		[[ -s $port_file ]] && break
		sleep 0.1
	done
	[[ -s $port_file ]] || { echo "mirror did not start" >&2; exit 1; }
	MIRROR_URL="http://127.0.0.1:$(cat "$port_file")"
	rm -f "$port_file"
}

# The Node.js archives tests/bed/prepare.sh assembled (with their inventory.toml).
node_archives_dir() {
	printf '%s\n' "${ASSETPACK_CACHE:-/var/tmp/assetpack-cache}/node-archives"
}

# Packages a release build of the buildpack with the inventories of the locally built Python
# archives and the assembled Node.js archives.
package_release_buildpack() {
	local out=$1 archives=$2
	bash "$BED/package-buildpack.sh" --out "$out" --inventory "$archives/inventory.toml" \
		--node-inventory "$(node_archives_dir)/inventory.toml" >/dev/null
}
