#!/usr/bin/env bash
# The buildpack's static files step on a static-heavy Django app (test-fixtures/django_static_app
# plus ~2,000 generated assets, ~50 MB; benchmarks/generate-static-app.py), on the real lifecycle
# (tests/bed), against plain `collectstatic` as a buildpack without a staticfiles layer runs it.
#
#   benchmarks/staticfiles.sh [--baseline-runs N] [--files N] [--megabytes N] [--seed N]
#   benchmarks/staticfiles.sh --report-only     (re-reads the logs of the last run)
#
# Four builds in one workspace, each from the same app directory:
#   cold        --fresh: empty cache, no previous image
#   noop        the same app again
#   code        a comment appended to shop/views.py
#   asset       one generated CSS file's content changed (a rule appended)
# From each build log: the buildpack's "Static files ready (took Xs)" line (exactly one per build)
# and whether collectstatic ran ("Running 'python manage.py collectstatic").
# Baseline: `python manage.py collectstatic --noinput` (default storage: WhiteNoise compressed
# manifest, keep-only-hashed) into an empty STATIC_ROOT, run in the built image's launch
# environment; median of --baseline-runs runs (default 1; each takes about as long as the cold
# static step).
# Prints a Markdown table and PASS/FAIL for the targets: no-op and code-only static step <= 1 s,
# one-asset static step <= 25 % of the cold one. Exit status 1 when a target fails.
# Work dir: $ASSETPACK_BENCH_DIR (default /var/tmp/assetpack-bench-static): app/, ws/, *.log.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$REPO_ROOT"

usage() {
	sed -n '6,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit "${1:-2}"
}

baseline_runs=1 files=2000 megabytes=50 seed=1 report_only=0
while (($#)); do
	case $1 in
	--baseline-runs) baseline_runs=${2:?--baseline-runs needs a value}; shift 2 ;;
	--files) files=${2:?--files needs a value}; shift 2 ;;
	--megabytes) megabytes=${2:?--megabytes needs a value}; shift 2 ;;
	--seed) seed=${2:?--seed needs a value}; shift 2 ;;
	--report-only) report_only=1; shift ;;
	-h | --help) usage 0 ;;
	*) echo "unknown argument '$1'" >&2; usage ;;
	esac
done
[[ $baseline_runs =~ ^[1-9][0-9]*$ ]] || { echo "--baseline-runs must be a positive integer" >&2; exit 2; }

work=${ASSETPACK_BENCH_DIR:-/var/tmp/assetpack-bench-static}
scenarios=(cold noop code asset)
# Written by the build user (the launcher runs as it); /tmp is writable by everyone.
baseline_root=/tmp/assetpack-bench-static-baseline
ready_re='^Static files ready \(took (([0-9]+)m )?([0-9.]+)s\)$'

# Prints "<static step seconds or -> <collectstatic runs> <builder phase seconds or ->" for a log.
parse_log() {
	local log=$1 line static=- ran builder
	local -a ready=()
	mapfile -t ready < <(sed 's/\x1b\[[0-9;]*m//g; s/\r$//' "$log" | grep -E "$ready_re" || true)
	if ((${#ready[@]} == 1)); then
		line=${ready[0]}
		[[ $line =~ $ready_re ]]
		static=$(awk -v m="${BASH_REMATCH[2]:-0}" -v s="${BASH_REMATCH[3]}" 'BEGIN { printf "%.2f", m * 60 + s }')
	elif ((${#ready[@]} == 0)); then
		echo "warning: no 'Static files ready (took ...)' line in $log" >&2
	else
		echo "warning: ${#ready[@]} 'Static files ready (took ...)' lines in $log, expected one" >&2
	fi
	ran=$(grep -c "Running 'python manage.py collectstatic" "$log" || true)
	builder=$(sed -n 's/^\[bed\] builder took \([0-9.]*\)s$/\1/p' "$log" | tail -n 1)
	printf '%s %s %s\n' "$static" "$ran" "${builder:--}"
}

build() { # $1 = scenario, $2.. = extra cnb-build.sh args
	local log="$work/$1.log"
	say "build: $1"
	bash tests/bed/cnb-build.sh --workspace "$work/ws" --app "$work/app" \
		--buildpack "$work/buildpack" --env "BP_PYTHON_MIRROR_URL=$MIRROR_URL" "${@:2}" >"$log" 2>&1 ||
		{ cat "$log"; echo "build $1 failed (log: $log)" >&2; exit 1; }
	[[ $1 == cold ]] || grep -q "Using cached virtual environment" "$log" ||
		echo "warning: build $1 did not reuse the venv (see $log)" >&2
}

# Run by the launcher (bash, as the build user, in the image's launch environment).
baseline_script=$(
	cat <<'EOF'
cd "$BENCH_APP_DIR" || exit 1
echo "cwd $PWD, python $(command -v python), STATIC_ROOT_OVERRIDE=$STATIC_ROOT_OVERRIDE"
start=$(date +%s.%N)
python manage.py collectstatic --noinput || exit 1
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { printf "BASELINE_SECONDS %.2f\n", e - s }'
EOF
)

baseline() { # $1 = run number; appends the seconds to $work/baseline.times
	local log="$work/baseline-$1.log" seconds
	say "baseline: plain collectstatic in the launch environment (run $1 of $baseline_runs)"
	rm -rf "$baseline_root"
	# Timed inside the launched shell, so extracting the image and starting the launcher don't count.
	bash tests/bed/cnb-launch.sh --workspace "$work/ws" --env "STATIC_ROOT_OVERRIDE=$baseline_root" \
		--env "BENCH_APP_DIR=$work/ws/app" -- "$baseline_script" >"$log" 2>&1 ||
		{ cat "$log"; echo "baseline run $1 failed (log: $log)" >&2; exit 1; }
	seconds=$(sed -n 's/^BASELINE_SECONDS \([0-9.]*\)$/\1/p' "$log")
	[[ -n $seconds ]] || { cat "$log"; echo "no BASELINE_SECONDS line in $log" >&2; exit 1; }
	echo "$seconds" >>"$work/baseline.times"
	rm -rf "$baseline_root"
}

if ((!report_only)); then
	check_host_tools
	ensure_rust_toolchain
	archives=$(bash tests/bed/prepare.sh | tail -n 1)
	mkdir -p "$work"
	package_release_buildpack "$work/buildpack" "$archives"
	start_mirror "$archives"
	trap 'kill "$MIRROR_PID" 2>/dev/null || true; rm -rf "$baseline_root"' EXIT

	say "generating the app in $work/app"
	python3 benchmarks/generate-static-app.py "$work/app" --files "$files" --megabytes "$megabytes" --seed "$seed"
	rm -f "$work"/{cold,noop,code,asset}.log "$work"/baseline-*.log "$work/baseline.times"

	build cold --fresh
	build noop
	printf '\n# benchmark: a code-only change\n' >>"$work/app/shop/views.py"
	build code
	css=$(find "$work/app/synth/static/synth/pkg00/css" -name '*.css' ! -name base.css | sort | head -n 1)
	[[ -n $css ]] || { echo "no generated CSS file to change" >&2; exit 1; }
	printf '\n.bench-edit {\n  color: #c0ffee;\n}\n' >>"$css"
	echo "changed ${css#"$work/app/"}"
	build asset

	for i in $(seq "$baseline_runs"); do baseline "$i"; done
fi

results="$work/results"
: >"$results"
for s in "${scenarios[@]}"; do
	[[ -f $work/$s.log ]] || { echo "no log for scenario $s in $work (run without --report-only first)" >&2; exit 1; }
	printf '%s %s\n' "$s" "$(parse_log "$work/$s.log")" >>"$results"
done
[[ -s $work/baseline.times ]] || { echo "no baseline times in $work/baseline.times" >&2; exit 1; }

python3 - "$results" "$work/baseline.times" <<'PY'
import statistics, sys

labels = {"cold": "cold build", "noop": "no-op rebuild", "code": "code-only change",
          "asset": "one-asset change"}
rows = {}
for line in open(sys.argv[1]):
    name, static, ran, builder = line.split()
    rows[name] = (None if static == "-" else float(static), int(ran),
                  None if builder == "-" else float(builder))
baseline_runs = [float(x) for x in open(sys.argv[2]) if x.strip()]
baseline = statistics.median(baseline_runs)


def seconds(x):
    return "n/a" if x is None else f"{x:.2f}"


def versus(x):
    return "n/a" if x is None else f"{100 * x / baseline:.1f} %"


print("| scenario | static step (s) | collectstatic ran? | vs baseline | builder phase (s) |")
print("|---|---|---|---|---|")
for name, label in labels.items():
    static, ran, builder = rows[name]
    ran_text = "yes" if ran == 1 else "no" if ran == 0 else f"yes ({ran}×)"
    print(f"| {label} | {seconds(static)} | {ran_text} | {versus(static)} | {seconds(builder)} |")
runs = "" if len(baseline_runs) == 1 else f", median of {len(baseline_runs)}"
print(f"| baseline: plain `collectstatic --noinput`, cold{runs} | {baseline:.2f} | yes | 100.0 % | – |")
print()

cold = rows["cold"][0]
targets = [
    ("no-op rebuild: static step <= 1 s", rows["noop"][0], lambda x: x <= 1.0),
    ("code-only change: static step <= 1 s", rows["code"][0], lambda x: x <= 1.0),
    ("one-asset change: static step <= 25 % of cold",
     rows["asset"][0], lambda x: cold is not None and x <= 0.25 * cold),
]
failed = False
for text, value, check in targets:
    ok = value is not None and check(value)
    failed |= not ok
    detail = "not measured" if value is None else f"{value:.2f}s"
    if "cold" in text and value is not None:
        detail += f" vs cold {seconds(cold)}s" + ("" if cold is None else f" = {100 * value / cold:.1f} %")
    print(f"{'PASS' if ok else 'FAIL'}  {text} ({detail})")
sys.exit(1 if failed else 0)
PY
