#!/usr/bin/env bash
# Build times of one fixture (default test-fixtures/flask_app) in both test tiers: the bed (the
# lifecycle's phases on the host, tests/bed/cnb-build.sh) and pack (tests/pack: trusted = one
# creator container, untrusted = a container per phase), cold (empty cache, no previous image:
# Python from the local mirror, packages from PyPI) and no-op (the same app again). Wall time of
# the whole command (cnb-build.sh, pack build).
#
#   benchmarks/pack-vs-bed.sh [FIXTURE] [RUNS]    (RUNS no-op rebuilds each, default 3; medians)
#
# Needs root, tests/pack/setup.sh done (scripts/test.sh does it) and the bed prepared.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$REPO_ROOT"
fixture=${1:-flask_app}
runs=${2:-3}
work=${ASSETPACK_BENCH_DIR:-/var/tmp/assetpack-bench-pack}
mkdir -p "$work"
[[ -d test-fixtures/$fixture ]] || { echo "unknown fixture: $fixture" >&2; exit 2; }

archives=$(bash tests/bed/prepare.sh | tail -n 1)
package_release_buildpack "$work/buildpack" "$archives"
declare -A tier=()
while IFS='=' read -r key value; do tier[$key]=$value; done < <(bash tests/pack/prepare.sh --out "$work/pack")
export DOCKER_HOST=${tier[docker_host]}
pack=${tier[pack]}
start_mirror "$(node_archives_dir)"
node_mirror_url=$MIRROR_URL node_mirror_pid=$MIRROR_PID
start_mirror "$archives"
trap 'kill "$MIRROR_PID" "$node_mirror_pid" 2>/dev/null || true' EXIT
env_args=(--env "BP_PYTHON_MIRROR_URL=$MIRROR_URL" --env "BP_NODE_MIRROR_URL=$node_mirror_url")

rm -f "$work/times"
timed() { # LABEL LOG COMMAND...: appends "LABEL SECONDS" to $work/times
	local label=$1 log=$2 started
	shift 2
	started=$(date +%s.%N)
	"$@" >"$log" 2>&1 || { tail -n 40 "$log"; echo "$label failed (log: $log)" >&2; exit 1; }
	echo "$label $(echo "$(date +%s.%N) - $started" | bc)" >>"$work/times"
}

bed() { # LABEL [--fresh]
	timed "$1" "$work/$1.log" bash tests/bed/cnb-build.sh --workspace "$work/ws" \
		--app "test-fixtures/$fixture" --buildpack "$work/buildpack" "${env_args[@]}" "${@:2}"
}
pack_build() { # LABEL IMAGE TRUST [--clear-cache]
	timed "$1" "$work/$1.log" "$pack" build "$2" --builder "${tier[builder]}" --docker-host inherit \
		--pull-policy never --network host --path "test-fixtures/$fixture" "--trust-builder=$3" \
		"${env_args[@]}" "${@:4}"
}

bed bed-cold --fresh
for i in $(seq "$runs"); do bed "bed-noop$i"; done
for trust in true false; do
	image=assetpack-bench-$fixture-$trust
	image=${image//_/-}
	podman rmi -f "$image" >/dev/null 2>&1 || true
	pack_build "pack-$trust-cold" "$image" "$trust" --clear-cache
	for i in $(seq "$runs"); do pack_build "pack-$trust-noop$i" "$image" "$trust"; done
	grep -q "Reusing layer 'assetpack/python:venv'" "$work/pack-$trust-noop1.log" ||
		{ echo "the no-op pack build did not reuse the venv: see $work/pack-$trust-noop1.log" >&2; exit 1; }
done

python3 - "$work/times" "$runs" "$fixture" <<'PY'
import statistics, sys
times = {}
for line in open(sys.argv[1]):
    label, seconds = line.split()
    times[label] = float(seconds)
runs, fixture = int(sys.argv[2]), sys.argv[3]
def noop(prefix):
    return statistics.median(times[f"{prefix}-noop{i}"] for i in range(1, runs + 1))
print(f"| {fixture} | cold (s) | no-op (s, median of {runs}) |")
print("|---|---|---|")
print(f"| bed: lifecycle phases on the host | {times['bed-cold']:.1f} | {noop('bed'):.1f} |")
print(f"| pack, trusted builder (creator) | {times['pack-true-cold']:.1f} | {noop('pack-true'):.1f} |")
print(f"| pack, untrusted (a container per phase) | {times['pack-false-cold']:.1f} | {noop('pack-false'):.1f} |")
PY
