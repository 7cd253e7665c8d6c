#!/usr/bin/env bash
# Wall time per lifecycle phase for a cold build and a no-op rebuild of test-fixtures/flask_app,
# on the real lifecycle (tests/bed). "Cold" = empty cache and no previous image: Python comes
# from the local mirror, pip and the app's packages from PyPI with an empty pip cache.
# "No-op" = the same app again: every layer should be reused and pip should not run.
#
#   benchmarks/lifecycle-phases.sh [RUNS]    (RUNS no-op rebuilds, default 3; medians shown)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$REPO_ROOT"
runs=${1:-3}
work=${ASSETPACK_BENCH_DIR:-/var/tmp/assetpack-bench}

check_host_tools
ensure_rust_toolchain
archives=$(bash tests/bed/prepare.sh | tail -n 1)
package_release_buildpack "$work/buildpack" "$archives"
start_mirror "$archives"
trap 'kill "$MIRROR_PID" 2>/dev/null || true' EXIT

build() { # $1 = label, $2.. = extra cnb-build.sh args; appends "label phase seconds" to $work/times
	local log="$work/$1.log"
	bash tests/bed/cnb-build.sh --workspace "$work/ws" --app test-fixtures/flask_app \
		--buildpack "$work/buildpack" --env "BP_PYTHON_MIRROR_URL=$MIRROR_URL" "${@:2}" >"$log" 2>&1 ||
		{ cat "$log"; echo "build $1 failed" >&2; exit 1; }
	sed -n "s/^\[bed\] \([a-z]*\) took \([0-9.]*\)s$/$1 \1 \2/p" "$log" >>"$work/times"
	grep -q "Using cached virtual environment" "$log" || [[ $1 == cold ]] ||
		{ echo "no-op rebuild did not reuse the venv: see $log" >&2; exit 1; }
}

rm -f "$work/times"
build cold --fresh
for i in $(seq "$runs"); do build "noop$i"; done

python3 - "$work/times" "$runs" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
runs = int(sys.argv[2])
phases = ["analyzer", "detector", "restorer", "builder", "exporter"]
def times(prefix):
    return {p: [float(s) for label, phase, s in rows if label.startswith(prefix) and phase == p] for p in phases}
cold, noop = times("cold"), times("noop")
print(f"| phase | cold build (s) | no-op rebuild (s, median of {runs}) |")
print("|---|---|---|")
for p in phases:
    print(f"| {p} | {cold[p][0]:.2f} | {statistics.median(noop[p]):.2f} |")
total_cold = sum(cold[p][0] for p in phases)
total_noop = sum(statistics.median(noop[p]) for p in phases)
print(f"| **total** | **{total_cold:.2f}** | **{total_noop:.2f}** |")
PY
