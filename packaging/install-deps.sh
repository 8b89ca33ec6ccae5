#!/usr/bin/env bash
# Installs the Debian 12 packages Cerulean needs to build, run and test — only those that
# are missing, so a second run does nothing. Needs root (or sudo).
#   packaging/install-deps.sh          build and run
#   packaging/install-deps.sh --test   also what the tests and benchmarks use
# libnss-myhostname resolves *.localhost to loopback (its postinst adds "myhostname" to the
# hosts line of /etc/nsswitch.conf): Azure's SDKs reach the local workspace's blob storage at
# {account}.blob.localhost, which Debian does not resolve without it.
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config ccache lld
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev libqt6sql6-sqlite qt6-qpa-plugins
  nlohmann-json3-dev qtkeychain-qt6-dev libxgboost-dev libboost-dev libeigen3-dev libyaml-cpp-dev libssl-dev
  gnome-keyring dbus bubblewrap
  # Qt loads the SVG plugins at run time to draw the app's icon (nothing else pulls them in).
  libqt6svg6
  # `cmake --preset dev` configures the test programs too, and they need GoogleTest.
  libgtest-dev libgmock-dev
  # `cpack -G DEB` finds the package's library dependencies with `file` and dpkg-shlibdeps.
  file
  # Resolves {account}.blob.localhost for Azure's SDKs (its postinst adds it to nsswitch.conf).
  libnss-myhostname
)
test_packages=(
  clang libclang-rt-14-dev dbus-x11 xvfb xauth curl
  desktop-file-utils appstream mmdebstrap
  apache2-utils wrk nginx-light python3-swagger-spec-validator
  python3-sklearn python3-xgboost python3-pandas python3-flask gunicorn
  azure-cli python3-azure
)

wanted=("${build_packages[@]}")
if [[ "${1:-}" == "--test" ]]; then
  wanted+=("${test_packages[@]}")
fi

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#wanted[@]} packages are present."
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo." >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
