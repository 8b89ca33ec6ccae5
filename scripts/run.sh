#!/usr/bin/env bash
# Installs what is missing, builds Cerulean and starts the desktop app on the local workspace.
#   scripts/run.sh [extra arguments for cerulean]
set -euo pipefail
cd "$(dirname "$0")/.."

packaging/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev --target cerulean cerulean-cli

if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && -z "${QT_QPA_PLATFORM:-}" ]]; then
  cat >&2 <<'MSG'
Cerulean is built, but this machine has no display (neither DISPLAY nor WAYLAND_DISPLAY is set).
  - On a desktop: run this command from a terminal inside your desktop session.
  - Over SSH: connect with 'ssh -X', or start a virtual display: xvfb-run -a scripts/run.sh
  - To see every page without a display:
      QT_QPA_PLATFORM=offscreen build/dev/app/cerulean --screenshot-tour /tmp/cerulean-tour
  - The command-line tool works anywhere: build/dev/app/cerulean-cli --help
MSG
  exit 3
fi
exec build/dev/app/cerulean --local "$@"
