#!/bin/sh
# What an idle app costs while its Logs page follows a deployment that served N requests and
# then nothing (issue target: under 2 % of one core over 30 s). Builds the probe in the given
# preset's tree (default: dev) and runs it; extra arguments go to the probe
# (--requests N, --window SECONDS).
#
#   bench/idle_cost.sh [--preset P] [--requests 20000] [--window 30]
set -eu
cd "$(dirname "$0")/.."
preset=dev
if [ "${1:-}" = "--preset" ]; then preset=$2; shift 2; fi
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target cerulean-idle-probe -j"$(nproc)" >/dev/null
probe=$(find "build/$preset" -name cerulean-idle-probe -type f -perm -u+x | head -n 1)
[ -n "$probe" ] || { echo "idle_cost: the probe was not built" >&2; exit 2; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
QT_QPA_PLATFORM=offscreen exec "$probe" "$@"
