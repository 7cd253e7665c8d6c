#!/usr/bin/env bash
# What the cached node-deps layer saves, on the real lifecycle (tests/bed): a Django app whose
# front end is built with npm (test-fixtures/django_esbuild_app, plus a typical webpack/Babel/
# Sass toolchain as devDependencies so node_modules has a realistic size), built
#   cold:      empty build cache, no previous image: Node.js and every npm package downloaded;
#   unchanged: a rebuild with nothing changed: node_modules reused, npm ci skipped;
#   relocked:  a rebuild after a lockfile change: npm ci runs from the warm npm cache (what a
#              buildpack that caches only npm's cache, not node_modules, pays on every build).
# Reported: the node_modules step ("Installed node_modules (took Xs)", 0 when skipped) and the
# whole builder phase.
#
#   benchmarks/node-tools.sh [RUNS]    (RUNS rebuilds per scenario, default 3; medians shown)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$REPO_ROOT"
runs=${1:-3}
work=${ASSETPACK_BENCH_DIR:-/var/tmp/assetpack-bench-node}

check_host_tools
ensure_rust_toolchain
archives=$(bash tests/bed/prepare.sh | tail -n 1)
mkdir -p "$work"
package_release_buildpack "$work/buildpack" "$archives"
start_mirror "$(node_archives_dir)"
node_mirror_url=$MIRROR_URL node_mirror_pid=$MIRROR_PID
start_mirror "$archives"
trap 'kill "$MIRROR_PID" "$node_mirror_pid" 2>/dev/null || true' EXIT

say "Preparing the app (lockfile resolved now from the npm registry)"
app="$work/app"
rm -rf "$app"
cp -a test-fixtures/django_esbuild_app "$app"
python3 - "$app/package.json" <<'PY'
import json, sys
path = sys.argv[1]
package = json.load(open(path))
package["devDependencies"].update({
    "webpack": "5.102.1", "webpack-cli": "6.0.1", "babel-loader": "10.0.0",
    "@babel/core": "7.28.5", "@babel/preset-env": "7.28.5", "sass": "1.108.2",
    "css-loader": "7.1.2", "mini-css-extract-plugin": "2.9.4", "postcss": "8.5.6",
    "autoprefixer": "10.4.21",
})
json.dump(package, open(path, "w"), indent=2)
PY
(cd "$app" && rm -f package-lock.json && npm install --package-lock-only --ignore-scripts \
	--no-omit-lockfile-registry-resolved \
	--no-audit --no-fund --loglevel=error >/dev/null)
chmod -R a+rX "$app"
packages=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["packages"]) - 1)' "$app/package-lock.json")

build() { # $1 = label, $2.. = extra cnb-build.sh args; appends "label what seconds"
	local log="$work/$1.log"
	bash tests/bed/cnb-build.sh --workspace "$work/ws" --app "$app" --buildpack "$work/buildpack" \
		--env "BP_PYTHON_MIRROR_URL=$MIRROR_URL" --env "BP_NODE_MIRROR_URL=$node_mirror_url" \
		"${@:2}" >"$log" 2>&1 || { cat "$log"; echo "build $1 failed" >&2; exit 1; }
	sed -n "s/^\[bed\] builder took \([0-9.]*\)s$/$1 builder \1/p" "$log" >>"$work/times"
	if grep -q "Using cached node_modules" "$log"; then
		echo "$1 install 0" >>"$work/times"
	else
		sed -n "s/^Installed node_modules (took \([0-9.]*\)s)$/$1 install \1/p" "$log" >>"$work/times"
	fi
}

rm -f "$work/times"
say "Building: cold, then $runs unchanged and $runs relocked rebuilds ($packages npm packages)"
build cold --fresh
for i in $(seq "$runs"); do
	build "unchanged$i"
	# A lockfile change that npm ci accepts: the app's own version, in both files.
	python3 - "$app" "1.0.$i" <<'PY'
import json, sys
app, version = sys.argv[1], sys.argv[2]
for name in ("package.json", "package-lock.json"):
    data = json.load(open(f"{app}/{name}"))
    data["version"] = version
    if name == "package-lock.json":
        data["packages"][""]["version"] = version
    json.dump(data, open(f"{app}/{name}", "w"), indent=2)
PY
	build "relocked$i"
done

python3 - "$work/times" "$runs" "$packages" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
runs, packages = int(sys.argv[2]), sys.argv[3]
def value(prefix, what):
    return statistics.median(float(s) for label, w, s in rows if label.startswith(prefix) and w == what)
print(f"| build ({packages} npm packages) | node_modules step (s) | builder phase (s) |")
print("|---|---|---|")
for prefix, name in [("cold", "cold: Node.js + npm ci from the registry"),
                     ("unchanged", f"unchanged: node-deps reused (median of {runs})"),
                     ("relocked", f"lockfile changed: npm ci, warm npm cache (median of {runs})")]:
    print(f"| {name} | {value(prefix, 'install'):.2f} | {value(prefix, 'builder'):.2f} |")
PY
