#!/usr/bin/env bash
# pip vs uv vs Pipenv installing the same app (test-fixtures/django_static_app: Django,
# WhiteNoise with Brotli, gunicorn), on the real lifecycle (tests/bed):
#   pip: the default;  uv: BP_PIP_INSTALLER=uv ('uv pip install -r requirements.txt');
#   pipenv: the same app with benchmarks/pipenv/Pipfile + Pipfile.lock (the same pins, locked
#   with Pipenv) instead of requirements.txt ('pipenv install --deploy').
# "Cold" = empty build cache and no previous image: the tool itself and every package come
# from PyPI. "Warm" = the tool and its download cache are cached, but the venv is rebuilt
# (BP_REINSTALL_DEPENDENCIES=true), so the install itself runs from the warm cache.
# Reported: the dependency install step ("Installed dependencies (took Xs)") and the whole
# builder phase (which also installs or restores the tool).
#
#   benchmarks/pip-vs-uv.sh [RUNS]    (RUNS warm rebuilds per installer, default 3; medians shown)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$REPO_ROOT"
runs=${1:-3}
work=${ASSETPACK_BENCH_DIR:-/var/tmp/assetpack-bench-pip-uv}
app=test-fixtures/django_static_app
installers=${ASSETPACK_BENCH_INSTALLERS:-pip uv pipenv}

check_host_tools
ensure_rust_toolchain
archives=$(bash tests/bed/prepare.sh | tail -n 1)
mkdir -p "$work"
package_release_buildpack "$work/buildpack" "$archives"
start_mirror "$archives"
rm -rf "$work/app-pipenv"
cp -a "$app" "$work/app-pipenv"
rm "$work/app-pipenv/requirements.txt"
cp benchmarks/pipenv/Pipfile benchmarks/pipenv/Pipfile.lock "$work/app-pipenv/"
trap 'kill "$MIRROR_PID" 2>/dev/null || true' EXIT

build() { # $1 = installer, $2 = label, $3.. = extra cnb-build.sh args; appends "installer label what seconds"
	local log="$work/$1-$2.log" src=$app installer=$1
	if [[ $1 == pipenv ]]; then src=$work/app-pipenv installer=pip; fi
	bash tests/bed/cnb-build.sh --workspace "$work/ws-$1" --app "$src" --buildpack "$work/buildpack" \
		--env "BP_PYTHON_MIRROR_URL=$MIRROR_URL" --env "BP_PIP_INSTALLER=$installer" "${@:3}" >"$log" 2>&1 ||
		{ cat "$log"; echo "build $1 $2 failed" >&2; exit 1; }
	sed -n "s/^\[bed\] builder took \([0-9.]*\)s$/$1 $2 builder \1/p" "$log" >>"$work/times"
	sed -n "s/^Installed dependencies (took \([0-9.]*\)s)$/$1 $2 install \1/p" "$log" >>"$work/times"
	grep -q "Installed dependencies" "$log" || { echo "$1 $2 did not install: see $log" >&2; exit 1; }
}

rm -f "$work/times"
for installer in $installers; do
	build "$installer" cold --fresh
	for i in $(seq "$runs"); do build "$installer" "warm$i" --env BP_REINSTALL_DEPENDENCIES=true; done
done

python3 - "$work/times" "$runs" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
runs = int(sys.argv[2])
def value(installer, prefix, what):
    found = [float(s) for i, label, w, s in rows if i == installer and label.startswith(prefix) and w == what]
    return statistics.median(found)
print(f"| installer | cold: install (s) | cold: builder (s) | warm: install (s, median of {runs}) | warm: builder (s) |")
print("|---|---|---|---|---|")
for installer, name in [("pip", "pip"), ("uv", "uv (`BP_PIP_INSTALLER=uv`)"), ("pipenv", "Pipenv (Pipfile.lock)")]:
    if not any(row[0] == installer for row in rows):
        continue
    print(f"| {name} | {value(installer, 'cold', 'install'):.2f} | {value(installer, 'cold', 'builder'):.2f} "
          f"| {value(installer, 'warm', 'install'):.2f} | {value(installer, 'warm', 'builder'):.2f} |")
PY
