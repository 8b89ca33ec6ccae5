#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs every test; then builds
# again with AddressSanitizer + UndefinedBehaviorSanitizer and runs the suite once more; then
# builds the libFuzzer targets (preset fuzz, clang) and runs each over its seed corpus and
# fuzzes it for a few seconds (bench/fuzz.sh; FUZZ_SECONDS per target, 10 by default).
#   scripts/test.sh            all three passes
#   scripts/test.sh --quick    the first pass only
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)

packaging/install-deps.sh --test

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

if [[ "${1:-}" != "--quick" ]]; then
  cmake --preset asan-ubsan >/dev/null
  timed "build (asan-ubsan)" cmake --build --preset asan-ubsan -j "$jobs"
  timed "tests (asan-ubsan)" run_suite asan-ubsan
  # Replays every seed (each finding that was fixed joins them) and looks a little further.
  timed "fuzz (build and ${FUZZ_SECONDS:-10} s per target)" env FUZZ_JOBS="$jobs" FUZZ_SEEDS_ONLY=1 bench/fuzz.sh "${FUZZ_SECONDS:-10}"
fi
echo "== all tests passed in $(( $(date +%s) - start )) s =="
