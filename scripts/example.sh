#!/usr/bin/env bash
# Builds a real example app end to end and talks to it:
#   1. prepares the bed (real CNB lifecycle, CPython built from Debian's pristine sources),
#   2. packages a release build of the buildpack,
#   3. builds test-fixtures/<app> (default flask_app) with analyzer → detector → restorer →
#      builder → exporter into an OCI image layout,
#   4. runs the image's web process through the launcher and GETs / from it.
#
#   scripts/example.sh [flask_app|django_app|django_esbuild_app|…]   (any dir in test-fixtures/)
#
# With --pack (as root) it builds the way users do instead: tests/pack/setup.sh (podman, pack,
# our stack), the buildpackage in a builder made from builder.toml, `pack build`, then
# `podman run -e PORT=… -p …` and GET / from the container.
#
#   scripts/example.sh --pack [APP]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
use_pack=false
if [[ ${1:-} == --pack ]]; then
	use_pack=true
	shift
fi
app=${1:-flask_app}
[[ -d test-fixtures/$app ]] || { echo "unknown app: $app (see test-fixtures/)" >&2; exit 2; }
work=${ASSETPACK_EXAMPLE_DIR:-/var/tmp/assetpack-example}

check_host_tools
ensure_rust_toolchain
say "Preparing the test bed"
archives=$(bash tests/bed/prepare.sh | tail -n 1)

if $use_pack; then
	say "Setting up pack, podman and the stack (tests/pack/setup.sh)"
	bash tests/pack/setup.sh
	say "Packaging the buildpack and creating the builder"
	declare -A tier=()
	while IFS='=' read -r key value; do tier[$key]=$value; done < <(bash tests/pack/prepare.sh --out "$work/pack")
	export DOCKER_HOST=${tier[docker_host]}
	start_mirror "$(node_archives_dir)"
	node_mirror_url=$MIRROR_URL node_mirror_pid=$MIRROR_PID
	start_mirror "$archives"
	trap 'kill "$MIRROR_PID" "$node_mirror_pid" 2>/dev/null || true' EXIT
	image=assetpack-example-${app//_/-}
	say "pack build $image --builder ${tier[builder]}"
	# --network host: the archive mirrors listen on the host's loopback.
	"${tier[pack]}" build "$image" --builder "${tier[builder]}" --path "test-fixtures/$app" \
		--docker-host inherit --pull-policy never --network host --trust-builder \
		--env "BP_PYTHON_MIRROR_URL=$MIRROR_URL" --env "BP_NODE_MIRROR_URL=$node_mirror_url"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	say "podman run -e PORT=$port -p 127.0.0.1:$port:$port $image"
	container=$(podman run -d --rm -e "PORT=$port" -p "127.0.0.1:$port:$port" "$image")
	trap 'podman rm -f -t 2 "$container" >/dev/null 2>&1; kill "$MIRROR_PID" "$node_mirror_pid" 2>/dev/null || true' EXIT
	for _ in $(seq 120); do
		if response=$(curl -fsS "http://127.0.0.1:$port/" 2>/dev/null); then
			say "GET http://127.0.0.1:$port/ answered:"
			printf '%s\n' "$response"
			exit 0
		fi
		sleep 0.5
	done
	podman logs "$container" >&2 || true
	echo "the app did not answer on port $port" >&2
	exit 1
fi

say "Packaging the buildpack (release build)"
package_release_buildpack "$work/buildpack" "$archives"

start_mirror "$(node_archives_dir)"
node_mirror_url=$MIRROR_URL node_mirror_pid=$MIRROR_PID
start_mirror "$archives"
trap 'kill "$MIRROR_PID" "$node_mirror_pid" 2>/dev/null || true' EXIT

say "Building test-fixtures/$app with the real lifecycle"
bash tests/bed/cnb-build.sh --fresh --workspace "$work/ws" --app "test-fixtures/$app" \
	--buildpack "$work/buildpack" --env "BP_PYTHON_MIRROR_URL=$MIRROR_URL" \
	--env "BP_NODE_MIRROR_URL=$node_mirror_url"

say "Running the image's web process"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bash tests/bed/cnb-launch.sh --workspace "$work/ws" --env "PORT=$port" &
web_pid=$!
trap 'kill "$web_pid" "$MIRROR_PID" "$node_mirror_pid" 2>/dev/null || true' EXIT
for _ in $(seq 120); do
	if response=$(curl -fsS "http://127.0.0.1:$port/" 2>/dev/null); then
		say "GET http://127.0.0.1:$port/ answered:"
		printf '%s\n' "$response"
		exit 0
	fi
	sleep 0.5
done
echo "the app did not answer on port $port" >&2
exit 1
