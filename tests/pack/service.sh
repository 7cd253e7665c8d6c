#!/usr/bin/env bash
# Starts, stops or checks the podman API service the pack tier uses
# (DOCKER_HOST=unix:///run/assetpack-podman/podman.sock unless ASSETPACK_PODMAN_RUN_DIR says otherwise).
#
#   tests/pack/service.sh start    start it unless it answers; prints the DOCKER_HOST value
#   tests/pack/service.sh stop     stop the one `start` started (by its recorded PID)
#   tests/pack/service.sh status   exit 0 when it answers
set -euo pipefail
# shellcheck source=tests/pack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case ${1:-} in
start)
	pack_service_start
	printf 'unix://%s\n' "$PODMAN_SOCK"
	;;
stop) pack_service_stop ;;
status) pack_service_alive ;;
*) pack_die "usage: service.sh start|stop|status" ;;
esac
