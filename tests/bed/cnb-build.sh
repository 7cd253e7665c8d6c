#!/usr/bin/env bash
# Runs one real CNB build with the pinned lifecycle on the host, in OCI layout mode with a volume
# cache: analyzer -> detector -> restorer -> builder -> exporter.
#
# usage: cnb-build.sh --workspace DIR --app SRC_DIR --buildpack PACKAGED_BP_DIR [--buildpack DIR]...
#                     [--env K=V]... [--image NAME] [--fresh]
#                     [--distro NAME] [--distro-version VERSION] [--arch ARCH] [--log-level LEVEL]
#   Each --buildpack adds one buildpack to the single order group, in the given order.
#
# Prints "[bed] ===> <phase>" before and "[bed] <phase> took <s.ss>s" after each phase; stops at
# the first failing phase and exits with its exit code.  See README.md.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '5,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit "${1:-2}"
}

ws='' app_src='' image=$BED_DEFAULT_IMAGE fresh=0 log_level=''
distro=debian distro_version=12 arch=amd64
envs=() bp_srcs=()
while (($#)); do
	case $1 in
	--workspace) ws=${2:?--workspace needs a value}; shift 2 ;;
	--app) app_src=${2:?--app needs a value}; shift 2 ;;
	--buildpack) bp_srcs+=("${2:?--buildpack needs a value}"); shift 2 ;;
	--env) envs+=("${2:?--env needs K=V}"); shift 2 ;;
	--image) image=${2:?--image needs a value}; shift 2 ;;
	--fresh) fresh=1; shift ;;
	--distro) distro=${2:?--distro needs a value}; shift 2 ;;
	--distro-version) distro_version=${2:?--distro-version needs a value}; shift 2 ;;
	--arch) arch=${2:?--arch needs a value}; shift 2 ;;
	--log-level) log_level=${2:?--log-level needs a value}; shift 2 ;;
	-h | --help) usage 0 ;;
	*) bed_die "unknown argument '$1' (see --help)" ;;
	esac
done

[[ -n $ws ]] || bed_die "--workspace is required"
[[ -n $app_src ]] || bed_die "--app is required"
((${#bp_srcs[@]})) || bed_die "--buildpack is required"
ws=$(bed_normalize_path "$ws")
bed_check_workspace_path "$ws"
[[ -d $app_src ]] || bed_die "app dir '$app_src' does not exist"
for bp_src in "${bp_srcs[@]}"; do
	[[ -f $bp_src/buildpack.toml ]] || bed_die "'$bp_src' is not a packaged buildpack (no buildpack.toml)"
done
for kv in "${envs[@]}"; do
	[[ $kv == *=* && ${kv%%=*} =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || bed_die "--env '$kv' is not K=V"
done

# Prerequisites (both idempotent and quick once done).
if bed_is_root; then
	"$BED_DIR/ensure-user.sh" >/dev/null
fi
"$BED_DIR/install-lifecycle.sh" >/dev/null

uid=$(bed_build_uid)
gid=$(bed_build_gid)
home=$(bed_build_home)

# "ID VERSION" per --buildpack, in order (one interpreter start for all of them).
bp_toml_files=()
for bp_src in "${bp_srcs[@]}"; do
	bp_toml_files+=("$bp_src/buildpack.toml")
done
bp_ids=() bp_versions=()
while read -r bp_id bp_version; do
	bp_ids+=("$bp_id")
	bp_versions+=("$bp_version")
done < <("$BED_PYTHON" - "${bp_toml_files[@]}" <<'EOF'
import sys, tomllib
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as f:
            bp = tomllib.load(f)["buildpack"]
        print(bp["id"], bp["version"])
    except Exception:
        print()
EOF
)
bp_list=''
for i in "${!bp_srcs[@]}"; do
	bp_id=${bp_ids[i]:-} bp_version=${bp_versions[i]:-}
	[[ -n $bp_id && -n $bp_version ]] ||
		bed_die "could not read buildpack id/version from ${bp_srcs[i]}/buildpack.toml"
	for ((j = 0; j < i; j++)); do
		[[ ${bp_ids[j]} != "$bp_id" ]] || bed_die "buildpack '$bp_id' is given more than once"
	done
	bp_list+="${bp_list:+ + }$bp_id@$bp_version"
done

# --- workspace -------------------------------------------------------------------------------
bed_check_traversable "$ws"
bed_check_traversable "$LIFECYCLE_DIR/lifecycle"
marker="$ws/.bed-workspace"
if [[ -d $ws && ! -e $marker && -n $(ls -A "$ws") ]]; then
	bed_die "'$ws' exists, is not empty and is not a bed workspace (no .bed-workspace); refusing to use it"
fi
if ((fresh)) && [[ -d $ws ]]; then
	rm -rf "$ws"
fi
umask 022
mkdir -p "$ws" || bed_die "cannot create workspace '$ws'"
touch "$marker"
chmod 755 "$ws"

rm -rf "$ws/app" "$ws/layers" "$ws/platform" "$ws/buildpacks" "$ws/proc"
mkdir -p "$ws/app" "$ws/layers" "$ws/platform/env" "$ws/cache" "$ws/oci" "$ws/buildpacks"
cp -a "$app_src/." "$ws/app/"

printf '[[order]]\n' >"$ws/order.toml"
for i in "${!bp_srcs[@]}"; do
	bp_dir="$ws/buildpacks/$(bed_escape_id "${bp_ids[i]}")/${bp_versions[i]}"
	mkdir -p "$bp_dir"
	cp -a "${bp_srcs[i]}/." "$bp_dir/"
	cat >>"$ws/order.toml" <<EOF
  [[order.group]]
    id = "${bp_ids[i]}"
    version = "${bp_versions[i]}"
EOF
done
chmod -R a+rX "$ws/buildpacks"

for kv in "${envs[@]}"; do
	printf '%s' "${kv#*=}" >"$ws/platform/env/${kv%%=*}"
done

# Run image (deterministic: same inputs -> same digest, so rewriting it does not invalidate reuse).
# The lifecycle maps localhost/assetpack/run:test to <layout dir>/index.docker.io/localhost/assetpack/run/test.
run_image_path="$ws/oci/$("$BED_PYTHON" "$BED_DIR/ocilayout.py" ref-to-path "$BED_RUN_IMAGE")"
"$BED_PYTHON" "$BED_DIR/make-run-image.py" --user "$uid:$gid" \
	"$run_image_path" "$distro" "$distro_version" "$arch" >/dev/null

if bed_is_root; then
	chown -R "$uid:$gid" "$ws"
fi

# --- phases ----------------------------------------------------------------------------------
BED_ENV=(
	"PATH=$BED_PATH"
	"HOME=$home"
	"CNB_PLATFORM_API=$BED_PLATFORM_API"
	"CNB_EXPERIMENTAL_MODE=warn"
	"CNB_NO_COLOR=true"
	"CNB_REGISTRY_AUTH_KEYCHAIN_SKIP_AMAZON=true"
	"CNB_REGISTRY_AUTH_KEYCHAIN_SKIP_AZURE=true"
	"CNB_USER_ID=$uid"
	"CNB_GROUP_ID=$gid"
	"CNB_APP_DIR=$ws/app"
	"CNB_LAYERS_DIR=$ws/layers"
	"CNB_PLATFORM_DIR=$ws/platform"
	"CNB_BUILDPACKS_DIR=$ws/buildpacks"
	"CNB_ORDER_PATH=$ws/order.toml"
)
if [[ -n $log_level ]]; then
	BED_ENV+=("CNB_LOG_LEVEL=$log_level")
fi

L=$LIFECYCLE_DIR
layout_flags=(-layout -layout-dir "$ws/oci")
build_start=$EPOCHREALTIME

run_phase() {
	local phase=$1 start rc=0
	shift
	bed_say "===> $phase"
	start=$EPOCHREALTIME
	bed_as_build_user "$L/$phase" "$@" || rc=$?
	bed_say "$phase took $(bed_elapsed "$start" "$EPOCHREALTIME")s"
	if ((rc != 0)); then
		bed_say "$phase failed with exit code $rc"
		exit "$rc"
	fi
}

if ((${#bp_srcs[@]} == 1)); then
	bp_said="buildpack $bp_list"
else
	bp_said="buildpacks $bp_list"
fi
bed_say "workspace $ws, $bp_said, image $image, run image $BED_RUN_IMAGE ($distro $distro_version $arch), user $(bed_build_user) ($uid:$gid)"
run_phase analyzer "${layout_flags[@]}" -run-image "$BED_RUN_IMAGE" "$image"
run_phase detector
run_phase restorer "${layout_flags[@]}" -cache-dir "$ws/cache"
run_phase builder
run_phase exporter "${layout_flags[@]}" -cache-dir "$ws/cache" -launcher "$L/launcher" "$image"
bed_say "build succeeded in $(bed_elapsed "$build_start" "$EPOCHREALTIME")s"
