#!/usr/bin/env bash
# Runs keychain_fallback_test (the app's deploy, score and sign-in flows) and `cerulean-cli
# local-service` on a real D-Bus in each situation a user meets, each under a throw-away HOME:
#   no-bus      no session bus at all, no display (D-Bus cannot even autolaunch)
#   no-service  a session bus on which no Secret Service runs (and none can be activated)
#   locked      GNOME Keyring running with its login keyring locked, and no prompt to unlock it
#   unlocked    GNOME Keyring unlocked: the control, where secrets do reach the keychain
#   keychain_fallback_test.sh TEST_PROGRAM CERULEAN_CLI
set -euo pipefail

if [[ ${1:-} == --inside ]]; then
  # One situation, inside its environment: the widget flows, then the command line.
  expect=$2 program=$3 cli=$4 root=$5
  CERULEAN_EXPECT_KEYCHAIN=$expect "$program"
  out=$root/service.out err=$root/service.err
  "$cli" local-service --root "$root/service" >"$out" 2>"$err" &
  service=$!
  for _ in $(seq 300); do
    grep -q '^listening on' "$out" && break
    kill -0 "$service" 2>/dev/null || break
    sleep 0.1
  done
  listening=$(grep -c '^listening on' "$out" || true)
  kill -TERM "$service" 2>/dev/null || true
  wait "$service" || true
  notices=$(grep -c '^cerulean-cli: secrets are not remembered: the keychain is not available' "$err" || true)
  if [[ $expect == available ]]; then
    wanted_notices=0
    grep -q 'has its secret in the keychain' "$out" || { echo "FAIL: local-service did not keep its secret"; cat "$out" "$err"; exit 1; }
  else
    wanted_notices=1
    grep -q "^local-service: the built-in principal's secret is not in the keychain" "$err" \
      || { echo "FAIL: local-service did not say its secret is not kept"; cat "$err"; exit 1; }
  fi
  if ((listening != 1 || notices != wanted_notices)); then
    echo "FAIL: local-service listening $listening time(s) with $notices keychain notice(s) (wanted 1 and $wanted_notices)"
    cat "$out" "$err"
    exit 1
  fi
  echo "PASS: cerulean-cli local-service ran with $notices keychain notice(s)"
  exit 0
fi

program=${1:?usage: keychain_fallback_test.sh TEST_PROGRAM CERULEAN_CLI}
cli=${2:?usage: keychain_fallback_test.sh TEST_PROGRAM CERULEAN_CLI}
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
work=$(mktemp -d /tmp/cerulean-keychain-fallback.XXXXXX)
trap 'rm -rf "$work"' EXIT

# A session bus that activates nothing: no Secret Service (nor its unlock prompt) can be
# started behind the test's back from the services this machine has installed.
cat >"$work/session.conf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF

# Runs a command under a new throw-away HOME, with no display and no inherited bus.
in_new_home() {
  local name=$1
  shift
  local home=$work/$name
  mkdir -p "$home/run" && chmod 700 "$home/run"
  env -u DISPLAY -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS \
    HOME="$home" XDG_RUNTIME_DIR="$home/run" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
    XDG_CACHE_HOME="$home/.cache" TMPDIR="$work" "$@"
}
bus=(dbus-run-session --config-file="$work/session.conf" --)

failed=()
run() {
  local name=$1 expect=$2
  shift 2
  local begin=$SECONDS
  echo "== $name (keychain $expect) =="
  if in_new_home "$name" "$@" "$self" --inside "$expect" "$program" "$cli" "$work/$name"; then
    echo "== $name: passed in $((SECONDS - begin)) s =="
  else
    echo "== $name: FAILED after $((SECONDS - begin)) s =="
    failed+=("$name")
  fi
}

run no-bus unavailable
run no-service unavailable "${bus[@]}"
# A login keyring made (unlocked, with a password) by a first daemon, stopped once the file
# is written; then a second daemon that starts without the password: the keyring is there,
# locked, and the Secret Service is on the bus.
in_new_home locked "${bus[@]}" sh -c '
  printf locked-pw | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null &
  daemon=$!
  for _ in $(seq 100); do [ -f "$XDG_DATA_HOME/keyrings/login.keyring" ] && break; sleep 0.1; done
  kill $daemon && wait $daemon'
run locked unavailable "${bus[@]}" sh -c '
  gnome-keyring-daemon --start --components=secrets >/dev/null &&
  dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.ListNames |
    grep -q "\"org.freedesktop.secrets\"" || { echo "FAIL: no Secret Service on the locked keyring bus"; exit 1; }
  exec "$@"' locked
run unlocked available "${bus[@]}" sh -c 'printf ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' unlocked

if ((${#failed[@]})); then
  echo "failed: ${failed[*]}"
  exit 1
fi
echo "all four situations passed"
