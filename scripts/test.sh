#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs every test; then builds
# again with AddressSanitizer + UndefinedBehaviorSanitizer and runs the suite once more; then
# builds the libFuzzer targets (preset fuzz, clang) and runs each over its seed corpus and
# fuzzes it for a few seconds (bench/fuzz.sh; FUZZ_SECONDS per target, 10 by default).
# Meanwhile, where it can (root or sudo without a password, mount and PID namespaces and
# chroot allowed), the cheap part of the fresh-machine check runs in the background: install-deps and
# `cmake --preset dev` on a minimal Debian 12 root (scripts/check-fresh-debian.sh). It mostly
# waits on dpkg and the network while the tests build; where it cannot run it says why.
#   scripts/test.sh            all three passes
#   scripts/test.sh --quick    the first pass only
#   CERULEAN_FRESH_CHECK=skip scripts/test.sh    without the fresh-machine check
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)

packaging/install-deps.sh --test

# --- the fresh-machine check (cheap part), in the background ---------------------------------
# Why it cannot run here, or nothing when it can. Its sudo must not ask for a password: it
# runs in the background, and CI has nobody to type one.
fresh_check_blocker() {
  local as_root=()
  if [[ ${CERULEAN_FRESH_CHECK:-} == skip ]]; then
    echo "CERULEAN_FRESH_CHECK=skip"
    return
  fi
  if [[ $(id -u) -ne 0 ]]; then
    sudo -n true 2>/dev/null || { echo "it needs root, and sudo is missing or asks for a password"; return; }
    as_root=(sudo -n)
  fi
  command -v mmdebstrap >/dev/null || { echo "mmdebstrap is missing"; return; }
  "${as_root[@]}" unshare --mount --pid --fork true 2>/dev/null \
    || { echo "mount and PID namespaces are not allowed here (no CAP_SYS_ADMIN: a container without privileges?)"; return; }
  "${as_root[@]}" chroot / true 2>/dev/null || { echo "chroot is not allowed here (no CAP_SYS_CHROOT)"; return; }
  [[ -d ../shared/data ]] || echo "../shared/data is missing"
}
mkdir -p build
fresh_log=$root/build/check-fresh-debian.log
fresh_pid=""
fresh_begin=$(date +%s)
fresh_blocker=$(fresh_check_blocker)
if [[ -z $fresh_blocker ]]; then
  echo "== fresh Debian 12 check (cheap) started in the background, log: $fresh_log =="
  scripts/check-fresh-debian.sh >"$fresh_log" 2>&1 &
  fresh_pid=$!
  # A failing test pass ends this script: the check is stopped, and cleans up its root.
  trap 'status=$?
    if [[ -n $fresh_pid ]]; then
      echo "== fresh Debian 12 check stopped: the build or the tests failed first =="
      kill -TERM "$fresh_pid" 2>/dev/null && wait "$fresh_pid" 2>/dev/null || true
    fi
    exit $status' EXIT
else
  echo "== fresh Debian 12 check SKIPPED: $fresh_blocker =="
fi

# Waits for the check and prints what it said; fails when it failed.
finish_fresh_check() {
  [[ -n $fresh_pid ]] || { echo "== fresh Debian 12 check SKIPPED: $fresh_blocker =="; return 0; }
  local status=0
  wait "$fresh_pid" || status=$?
  fresh_pid=""
  sed 's/^/  /' "$fresh_log"
  if ((status != 0)); then
    echo "== fresh Debian 12 check (cheap) FAILED (exit $status) after $(( $(date +%s) - fresh_begin )) s =="
    return 1
  fi
  echo "== fresh Debian 12 check (cheap): passed, $(( $(date +%s) - fresh_begin )) s after it started =="
}

# The keychain tests talk to a real Secret Service: a private D-Bus session with
# gnome-keyring, unlocked, under a throw-away HOME so nothing touches the user's keyring.
run_suite() {
  local preset=$1
  local home
  home=$(mktemp -d /tmp/cerulean-test-home.XXXXXX)
  echo "== tests ($preset) =="
  # The runtime directory exists before the bus starts (dbus-daemon looks for it at start-up).
  mkdir -p "$home/run" && chmod 700 "$home/run"
  HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
  XDG_CACHE_HOME="$home/.cache" XDG_RUNTIME_DIR="$home/run" \
    dbus-run-session -- sh -c "printf ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
      ctest --preset $preset -j $jobs"
  local status=$?
  rm -rf "$home"
  return $status
}

# Each step's wall time, so a slow CI run shows whether building or testing grew.
timed() {
  local label=$1 begin
  shift
  begin=$(date +%s)
  "$@"
  echo "== $label: $(( $(date +%s) - begin )) s =="
}

# The test programs share precompiled headers in these presets; ccache caches their objects
# only when told that the headers' macros and __TIME__ may be taken as they are.
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros}

start=$(date +%s)
cmake --preset ci >/dev/null
timed "build (ci)" cmake --build --preset ci -j "$jobs"
timed "tests (ci)" run_suite ci
# Reported after the first pass (it is done long before), so --quick reports it too.
finish_fresh_check

if [[ "${1:-}" != "--quick" ]]; then
  cmake --preset asan-ubsan >/dev/null
  timed "build (asan-ubsan)" cmake --build --preset asan-ubsan -j "$jobs"
  timed "tests (asan-ubsan)" run_suite asan-ubsan
  # Replays every seed (each finding that was fixed joins them) and looks a little further.
  timed "fuzz (build and ${FUZZ_SECONDS:-10} s per target)" env FUZZ_JOBS="$jobs" FUZZ_SEEDS_ONLY=1 bench/fuzz.sh "${FUZZ_SECONDS:-10}"
fi
echo "== all tests passed in $(( $(date +%s) - start )) s =="
