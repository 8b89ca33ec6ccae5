#!/usr/bin/env bash
# Every --help as a user types it: `cerulean-cli --help`, `cerulean-cli <command> --help` for
# each command the tool lists, `cerulean-cli <command> <verb> --help` for each verb a command
# lists, and `cerulean --help`, with no display and no D-Bus session.
# Each must exit 0, print its help on stdout and nothing at all on stderr (Qt's warnings,
# such as a duplicated option, land there).
#   help_without_warnings.sh CERULEAN_CLI [CERULEAN]
set -uo pipefail
cli=${1:?usage: help_without_warnings.sh CERULEAN_CLI [CERULEAN]}
gui=${2:-}
err=$(mktemp)
trap 'rm -f "$err"' EXIT
failures=0
checked=0

check() {
  local out status
  out=$(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM -u DBUS_SESSION_BUS_ADDRESS "$@" 2>"$err")
  status=$?
  checked=$((checked + 1))
  if ((status != 0)) || [[ -s $err ]] || [[ $out != *[Uu]sage* ]]; then
    echo "FAIL: $* (exit $status)"
    sed 's/^/  stderr: /' "$err"
    [[ $out == *[Uu]sage* ]] || echo "  no usage text on stdout"
    failures=$((failures + 1))
  fi
}

check "$cli" --help
# The commands are the indented words of the "Commands:" section.
commands=$("$cli" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
[[ -n $commands ]] || { echo "FAIL: no commands listed by $cli --help"; exit 1; }
for command in $commands; do
  check "$cli" "$command" --help
  # A command with verbs lists them, indented, under "Verbs:".
  verbs=$("$cli" "$command" --help 2>/dev/null | awk '/^Verbs:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
  for verb in $verbs; do
    check "$cli" "$command" "$verb" --help
  done
done
[[ -n $gui ]] && check "$gui" --help

echo "$checked --help runs, $failures with a warning or an error"
((failures == 0))
