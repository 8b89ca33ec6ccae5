#!/usr/bin/env bash
# Runs the README's commands on a fresh Debian 12: a minimal root made by
# `mmdebstrap --variant=apt bookworm` from this machine's Debian apt sources, with a clone of
# the commit and ../shared beside it. Nothing installed on this machine can make it pass.
#   scripts/check-fresh-debian.sh           cheap: install-deps, configure (scripts/test.sh
#                                           runs this in the background)
#   scripts/check-fresh-debian.sh --full    also build both programs, run them and the
#                                           offscreen screenshot tour, install-deps --test and
#                                           configure ci, make the .deb, install it with apt
#                                           in a second fresh root and start both programs
# Options: --commit REV (default HEAD: what is committed, not the working tree),
#          --refresh (make the minimal root again instead of reusing the cached one),
#          --keep (leave the roots in place after the run, to look inside).
# The cache ($CERULEAN_FRESH_CACHE, default /var/tmp/cerulean-fresh-debian) keeps the minimal
# root exactly as mmdebstrap made it (a tarball, unpacked anew for every run, remade after a
# week or when the apt sources change), the .deb files apt downloaded (apt still resolves
# every dependency from the archive's indexes) and, for --full, a compiler cache of its own.
# The tour's pictures and the .deb of a full run are left in $CACHE/last-run.
# Needs root: mmdebstrap --mode=root, mount and PID namespaces, pivot_root and the mounts of
# /proc, /sys and /dev.
set -euo pipefail
shopt -s inherit_errexit

repo=$(cd "$(dirname "$0")/.." && pwd)
mode=cheap
commit=HEAD
refresh=0
keep=0
while (($#)); do
  case $1 in
    --full) mode=full ;;
    --commit) commit=${2:?--commit needs a revision}; shift ;;
    --refresh) refresh=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "check-fresh-debian: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# Messages go to the stderr the check started with (fd 3), also from the cleanup when an
# interrupt arrives while a step's output is redirected to its log.
exec 3>&2
say() { echo "check-fresh-debian: $*" >&3; }
die() { say "$*"; exit 1; }

if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || die "needs root (mmdebstrap, namespaces and mounts): run it as root or install sudo."
  exec sudo --preserve-env=CERULEAN_FRESH_CACHE "$0" "$@"
fi
for tool in mmdebstrap git unshare pivot_root mount umount tar findmnt; do
  command -v "$tool" >/dev/null || die "$tool is missing (packaging/install-deps.sh --test installs mmdebstrap)."
done

cache=${CERULEAN_FRESH_CACHE:-/var/tmp/cerulean-fresh-debian}
suite=bookworm
# A week: the root gets the archive's newer packages by apt anyway; this only bounds the drift.
root_max_age_days=7
# .deb files no run has used for this long are dropped from the download cache.
archive_max_age_days=30
shared=$(cd "$repo/.." && pwd)/shared
[[ -d $shared/data ]] || die "$shared/data is missing: the README's commands expect ../shared beside the clone."
rev=$(git -C "$repo" rev-parse --verify "$commit^{commit}") || die "no such commit: $commit"
if [[ $commit == HEAD ]] && [[ -n $(git -C "$repo" status --porcelain --untracked-files=no) ]]; then
  say "note: the working tree has uncommitted changes; the check runs the commit $rev without them."
fi
mkdir -p "$cache/archives" "$cache/runs"
run_dir=$(mktemp -d "$cache/runs/$(date +%Y%m%d-%H%M%S)-XXXX")
roots=()
in_root_pid=""
step_name=""
step_begin=0
check_begin=$(date +%s)

# --- cleaning up: no mount and no process may outlive the run ---------------------------------
stop_processes_in() {
  # Daemons a package's scripts may have started inside the root keep its mounts busy.
  local root=$1 pid link
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    link=$(readlink "/proc/$pid/root" 2>/dev/null) || continue
    if [[ $link == "$root" || $link == "$root"/* ]]; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
}

mounts_under() {
  findmnt -rn -o TARGET | awk -v root="$1" 'index($0, root "/") == 1' | sort -r
}

unmount_root() {
  local root=$1 target
  stop_processes_in "$root"
  for target in $(mounts_under "$root"); do
    umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null || true
  done
}

cleanup() {
  local status=$?
  set +e
  # What runs in a root (in_root) is invisible to stop_processes_in: its root is its own mount
  # namespace's. Killing the unshare that started it (it ignores TERM while it waits) kills the
  # first process of its PID namespace, and so every process in it.
  if [[ -n $in_root_pid ]]; then
    kill -KILL "$in_root_pid" 2>/dev/null
    wait "$in_root_pid" 2>/dev/null
  fi
  for root in "${roots[@]}"; do
    unmount_root "$root"
    if [[ -n $(mounts_under "$root") ]]; then
      say "could not unmount everything under $root; leaving it in place (see findmnt)."
    elif ((keep == 0)); then
      rm -rf --one-file-system "$root"
    fi
  done
  if ((status != 0)); then
    say "FAILED at step '$step_name' after $(( $(date +%s) - step_begin )) s" \
        "(whole check $(( $(date +%s) - check_begin )) s). Log and outputs: $run_dir"
    ((keep)) && say "the roots are kept: ${roots[*]}"
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- steps, timed ---------------------------------------------------------------------------
step() {
  step_name=$1
  step_begin=$(date +%s)
  say "== $step_name =="
}
step_done() {
  say "== $step_name: $(( $(date +%s) - step_begin )) s =="
}

# Runs a shell command inside a root with a clean environment: nothing of this machine's
# (no D-Bus session, no display, no Qt or ccache settings) reaches it. In the background and
# waited for, so that an interrupt is handled at once (the cleanup stops what runs inside).
# Not a chroot: the kernel refuses a user namespace to a chrooted process, so bubblewrap,
# which confines the local workspace's command steps, could not start there ('No permissions
# to create new namespace') although it starts on any Debian 12 machine. The command gets its
# own mount and PID namespaces whose root is the root itself (pivot_root, with this machine's
# tree unmounted there); every process it leaves behind ends with it.
in_root() {
  local root=$1
  shift
  unshare --mount --propagation private --pid --fork --kill-child -- /bin/bash -c '
    set -e
    root=$1
    shift
    mount --rbind "$root" "$root"
    mount -t proc proc "$root/proc"
    mkdir -p "$root/.host-root"
    cd "$root"
    pivot_root . .host-root
    cd /
    /.host-root/usr/bin/umount -l /.host-root
    rmdir /.host-root
    exec "$@"' in-root "$root" \
    /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive "$@" &
  in_root_pid=$!
  local status=0
  wait "$in_root_pid" || status=$?
  in_root_pid=""
  return "$status"
}

# The Debian entries of this machine's apt sources (deb822 and one-line forms); other vendors'
# repositories (nodesource, Google Cloud, …) are left out.
debian_sources() {
  local file
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f $file ]] || continue
    awk 'BEGIN { RS = ""; ORS = "\n\n" } /URIs:[^\n]*debian\.org/' "$file"
  done
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $file ]] || continue
    grep -E '^deb .*debian\.org' "$file" || true
  done
}

# The minimal root as mmdebstrap made it, cached as a tarball and unpacked anew every time.
tarball=$cache/$suite-apt.tar
pristine_root_tarball() {
  local sources=$cache/$suite-apt.sources
  debian_sources >"$run_dir/sources"
  [[ -s $run_dir/sources ]] || die "no Debian entry in /etc/apt/sources.list or /etc/apt/sources.list.d."
  if ((refresh == 0)) && [[ -f $tarball ]] && cmp -s "$sources" "$run_dir/sources" \
     && [[ -n $(find "$tarball" -mtime -$root_max_age_days) ]]; then
    say "reusing the minimal root made $(date -r "$tarball" '+%Y-%m-%d %H:%M') (--refresh makes it again)"
  else
    say "mmdebstrap --variant=apt $suite from $(grep -hoE '^(URIs:|deb) *[^ ]+' "$run_dir/sources" | awk '{print $2}' | sort -u | xargs)"
    # Written beside the cache and renamed: a run going on at the same time never sees half of it.
    mmdebstrap --variant=apt --mode=root --quiet "$suite" "$run_dir/root.tar" "$run_dir/sources" \
      >"$run_dir/mmdebstrap.log" 2>&1 || { tail -20 "$run_dir/mmdebstrap.log" >&2; die "mmdebstrap failed."; }
    mv -f "$run_dir/root.tar" "$tarball"
    cp "$run_dir/sources" "$sources"
  fi
}

# Unpacks the minimal root into $run_dir/NAME, mounted and ready for in_root; sets $root.
new_root() {
  root=$run_dir/$1
  roots+=("$root")
  mkdir -p "$root"
  tar -xf "$tarball" -C "$root"
  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  mount --rbind /dev "$root/dev"
  mount --make-rslave "$root/dev"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # No daemon starts inside the root (the packages' scripts ask invoke-rc.d, which asks this).
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  # A root thrown away after the run needs no fsync after every file dpkg writes (the same
  # packages, unpacked in a fraction of the time).
  echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/unsafe-io"
  # Packages downloaded by an earlier run, hard-linked (apt only reads them).
  find "$cache/archives" -maxdepth 1 -name '*.deb' -exec ln -t "$root/var/cache/apt/archives" {} + 2>/dev/null || true
}

keep_downloads() {
  local root=$1
  find "$root/var/cache/apt/archives" -maxdepth 1 -name '*.deb' -exec touch {} + -exec cp -aln -t "$cache/archives" {} + \
    2>/dev/null || true
  find "$cache/archives" -maxdepth 1 -name '*.deb' -mtime +$archive_max_age_days -delete
}

# --- the check --------------------------------------------------------------------------------
say "checking $rev ($mode) in $run_dir"

step "minimal root (mmdebstrap --variant=apt $suite)"
pristine_root_tarball
new_root build
build_root=$root
step_done

step "clone the commit, ../shared beside it"
mkdir -p "$build_root/work"
git clone --quiet --no-hardlinks --no-checkout "$repo" "$build_root/work/cerulean"
git -C "$build_root/work/cerulean" -c advice.detachedHead=false checkout --quiet --detach "$rev"
cp -a "$shared" "$build_root/work/shared"
step_done

step "packaging/install-deps.sh"
in_root "$build_root" bash -c 'cd /work/cerulean && packaging/install-deps.sh' >"$run_dir/install-deps.log" 2>&1 \
  || { tail -30 "$run_dir/install-deps.log" >&2; false; }
keep_downloads "$build_root"
step_done

step "cmake --preset dev"
in_root "$build_root" bash -c 'cd /work/cerulean && cmake --preset dev' >"$run_dir/configure.log" 2>&1 \
  || { tail -30 "$run_dir/configure.log" >&2; false; }
step_done

if [[ $mode == full ]]; then
  mkdir -p "$cache/ccache" "$build_root/root/.cache/ccache"
  mount --bind "$cache/ccache" "$build_root/root/.cache/ccache"

  step "build cerulean and cerulean-cli (as scripts/run.sh does)"
  in_root "$build_root" bash -c 'cd /work/cerulean && cmake --build --preset dev --target cerulean cerulean-cli -j "$(nproc)"' \
    >"$run_dir/build.log" 2>&1 || { tail -40 "$run_dir/build.log" >&2; false; }
  step_done

  step "cerulean-cli --help, cerulean-cli version, cerulean --help"
  in_root "$build_root" bash -c 'set -e; cd /work/cerulean/build/dev/app
    ./cerulean-cli --help >/dev/null; ./cerulean-cli version; ./cerulean --help >/dev/null'
  step_done

  step "offscreen screenshot tour, no D-Bus session"
  in_root "$build_root" bash -c 'cd /work/cerulean && QT_QPA_PLATFORM=offscreen build/dev/app/cerulean --screenshot-tour /tmp/tour' \
    >"$run_dir/tour-build.log" 2>&1 || { tail -30 "$run_dir/tour-build.log" >&2; false; }
  grep -q 'flow stopped' "$run_dir/tour-build.log" && { grep 'flow stopped' "$run_dir/tour-build.log" >&2; false; }
  mkdir -p "$run_dir/tour-build" && cp "$build_root"/tmp/tour/*.png "$run_dir/tour-build/"
  say "$(ls "$run_dir/tour-build" | wc -l) pictures in $run_dir/tour-build"
  step_done

  step "packaging/install-deps.sh --test, cmake --preset ci"
  in_root "$build_root" bash -c 'cd /work/cerulean && packaging/install-deps.sh --test && cmake --preset ci' \
    >"$run_dir/test-deps.log" 2>&1 || { tail -30 "$run_dir/test-deps.log" >&2; false; }
  keep_downloads "$build_root"
  step_done

  step "cpack -G DEB"
  # Only the two programs are built: the install step must not build the test programs first.
  in_root "$build_root" bash -c 'cd /work/cerulean/build/dev && cmake -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON . >/dev/null &&
    cpack -G DEB' >"$run_dir/cpack.log" 2>&1 || { tail -30 "$run_dir/cpack.log" >&2; false; }
  cp "$build_root"/work/cerulean/build/dev/cerulean_*.deb "$run_dir/"
  deb=$(ls "$run_dir"/cerulean_*.deb)
  dpkg-deb --field "$deb" Depends Recommends | sed 's/^/  /' >&2
  step_done

  step "apt-get install ./$(basename "$deb") in a second fresh root"
  unmount_root "$build_root" # one root mounted at a time keeps the cleanup simple
  new_root install
install_root=$root
  cp "$deb" "$install_root/tmp/"
  cp -a "$shared" "$install_root/opt/cerulean-shared"
  in_root "$install_root" bash -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends /tmp/cerulean_*.deb' \
    >"$run_dir/install.log" 2>&1 || { tail -30 "$run_dir/install.log" >&2; false; }
  keep_downloads "$install_root"
  step_done

  step "the installed programs: --help, version, offscreen tour"
  in_root "$install_root" bash -c 'set -e; cerulean-cli --help >/dev/null; cerulean-cli version; cerulean --help >/dev/null
    CERULEAN_SHARED_DIR=/opt/cerulean-shared QT_QPA_PLATFORM=offscreen cerulean --screenshot-tour /tmp/tour' \
    >"$run_dir/tour-installed.log" 2>&1 || { tail -30 "$run_dir/tour-installed.log" >&2; false; }
  grep -q 'flow stopped' "$run_dir/tour-installed.log" && { grep 'flow stopped' "$run_dir/tour-installed.log" >&2; false; }
  mkdir -p "$run_dir/tour-installed" && cp "$install_root"/tmp/tour/*.png "$run_dir/tour-installed/"
  say "$(ls "$run_dir/tour-installed" | wc -l) pictures in $run_dir/tour-installed"
  step_done
fi

step_name="done"
ln -sfn "$run_dir" "$cache/last-run"
# Earlier runs' logs and pictures: kept two days, unless a run is still going on in one.
for old in $(find "$cache/runs" -mindepth 1 -maxdepth 1 -type d -mtime +2); do
  [[ -z $(mounts_under "$old") ]] && rm -rf --one-file-system "$old"
done
say "PASSED ($mode) for $rev in $(( $(date +%s) - check_begin )) s"
