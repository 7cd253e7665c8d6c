#!/usr/bin/env bash
# Runs a process from the image exported by cnb-build.sh, with the real launcher.
#
# usage: cnb-launch.sh --workspace DIR [--image NAME] [--process TYPE] [--env K=V]...
#                      [--keep-extracted] [-- ARGS...]
#
#   no --process, no ARGS : the image's default process (its Entrypoint /cnb/process/<type>)
#   --process TYPE        : that process type (argv[0] of the launcher = TYPE); ARGS, if any,
#                           replace the process's overridable args
#   -- ARGS (no --process): `launcher ARGS`, like `docker run --entrypoint launcher IMAGE ARGS`:
#                           one ARG = a bash script run in the launch env; several ARGS are
#                           joined and run by bash; `-- -- CMD ARG...` execs CMD directly
#
# First lays the image's workspace files back onto disk (extract-image.py: DIR/layers and DIR/app
# are replaced by what the image carries), then execs the launcher as the build user with a clean
# environment: the image config Env + HOME + --env pairs.  The PID of this script becomes the
# launcher's and then the app's (exec all the way), so signals sent to it reach the app.
# --keep-extracted skips the extraction when DIR already holds this exact image (use it when
# several processes of the same image run at once).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '4,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit "${1:-2}"
}

ws='' image=$BED_DEFAULT_IMAGE process='' keep=0
envs=()
args=()
while (($#)); do
	case $1 in
	--workspace) ws=${2:?--workspace needs a value}; shift 2 ;;
	--image) image=${2:?--image needs a value}; shift 2 ;;
	--process) process=${2:?--process needs a value}; shift 2 ;;
	--env) envs+=("${2:?--env needs K=V}"); shift 2 ;;
	--keep-extracted) keep=1; shift ;;
	--) shift; args=("$@"); break ;;
	-h | --help) usage 0 ;;
	*) bed_die "unknown argument '$1' (see --help; put the command after --)" ;;
	esac
done

[[ -n $ws ]] || bed_die "--workspace is required"
ws=$(bed_normalize_path "$ws")
bed_check_workspace_path "$ws"
[[ -f $ws/.bed-workspace ]] || bed_die "'$ws' is not a bed workspace (run cnb-build.sh first)"
for kv in "${envs[@]}"; do
	[[ $kv == *=* && ${kv%%=*} =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || bed_die "--env '$kv' is not K=V"
done
[[ -z $process || $process =~ ^[A-Za-z0-9_.-]+$ ]] || bed_die "bad process type '$process'"

launcher="$LIFECYCLE_DIR/launcher"
[[ -x $launcher ]] || bed_die "no launcher at $launcher (run tests/bed/install-lifecycle.sh)"

extract_flags=()
((keep)) && extract_flags+=(--if-changed)
"$BED_PYTHON" "$BED_DIR/extract-image.py" --workspace "$ws" --image "$image" "${extract_flags[@]}" >/dev/null

# Image config: entrypoint, working dir, process types (space-separated), then the Env entries;
# NUL-separated.
mapfile -d '' cfg < <("$BED_PYTHON" - "$BED_DIR" "$ws" "$image" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[1])
import ocilayout
_, _, config = ocilayout.load_image(ocilayout.image_layout_dir(sys.argv[2], sys.argv[3]))
c = config.get("config") or {}
ep = c.get("Entrypoint") or [""]
build_md = json.loads((c.get("Labels") or {}).get("io.buildpacks.build.metadata") or "{}")
types = " ".join(p["type"] for p in build_md.get("processes") or [])
out = [ep[0], c.get("WorkingDir") or "", types] + list(c.get("Env") or [])
sys.stdout.write("".join(s + "\0" for s in out))
EOF
)
((${#cfg[@]} >= 3)) || bed_die "could not read the config of image $image"
entrypoint=${cfg[0]}
workdir=${cfg[1]:-$ws/app}
read -r -a process_types <<<"${cfg[2]}"

if [[ -z $process ]]; then
	if ((${#args[@]} == 0)); then
		[[ $entrypoint == /cnb/process/* ]] ||
			bed_die "image $image has no default process (entrypoint '$entrypoint'); pass --process TYPE or -- ARGS"
		process=${entrypoint#/cnb/process/}
	else
		process=launcher
	fi
fi

if [[ $process != launcher && " ${process_types[*]} " != *" $process "* ]]; then
	bed_die "image $image has no process type '$process' (it has: ${process_types[*]:-none})"
fi

if [[ $process == launcher ]]; then
	argv0=$launcher
else
	# The launcher picks the process type from basename(argv[0]); CNB_PROCESS_TYPE is ignored.
	mkdir -p "$ws/proc"
	argv0="$ws/proc/$process"
	if [[ $(readlink "$argv0" 2>/dev/null || true) != "$launcher" ]]; then
		tmp_link="$ws/proc/.$process.$$"
		ln -sfn "$launcher" "$tmp_link"
		mv -T "$tmp_link" "$argv0"
	fi
fi

BED_ENV=("${cfg[@]:3}" "HOME=$(bed_build_home)" "${envs[@]}")
cd "$workdir"
bed_exec_as_build_user "$argv0" "${args[@]}"
