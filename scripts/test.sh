#!/usr/bin/env bash
# test.sh - build redisfs and run the whole test suite: plain, again under ASan+UBSan, the
# integration suites under valgrind, the fault suites under TSan, and bounded libFuzzer runs.
# Usage: scripts/test.sh            (what CI runs, through .ci/run; as root on Debian 12 it
#                                    installs what is missing)
#        scripts/test.sh --quick    (plain and ASan+UBSan only, about a third of the time)
#        SANITIZE=0 scripts/test.sh --quick (the plain pass only)
set -euo pipefail
cd "$(dirname "$0")/.."

all=1
case "${1:-}" in
--quick) all=0 ;;
"") ;;
*) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
esac

install_packages() {
  local missing=()
  while read -r pkg; do
    [ -n "$pkg" ] || continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$pkg")
  done < .ci/packages
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: missing packages (install them as root): ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# meson setup DIR ARGS..., from scratch each time
setup() {
  local dir=$1
  shift
  meson setup "$dir" "$@" --wipe >/dev/null 2>&1 || meson setup "$dir" "$@"
}

install_packages
[ -e /dev/fuse ] || { echo "test.sh: /dev/fuse is missing: FUSE tests cannot run" >&2; exit 1; }

setup build
ninja -C build
meson test -C build --print-errorlogs

if [ "${SANITIZE:-1}" != 0 ]; then
  setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
  ninja -C build-asan
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --print-errorlogs
fi

[ "$all" = 1 ] || exit 0

# Every daemon the integration suites mount runs under valgrind; one that reports anything
# (--error-exitcode) fails its suite at the unmount (tests/meson.build, add_test_setup).
meson test -C build --setup=valgrind --suite integration --print-errorlogs

# ThreadSanitizer over the daemon while 16 clients read and write, through the faults, and
# over a Redis Cluster (one slot map shared by every thread, redirections, a failover).
# A report makes the daemon exit 66, which fails the suite at the unmount.
setup build-tsan -Db_sanitize=thread -Db_lundef=false
ninja -C build-tsan redisfs tests/test_mount_hostile tests/test_mount_faults \
  tests/test_mount_cluster_rw tests/test_mount_cluster_faults
REDISFS_TIME_SCALE=3 TSAN_OPTIONS=halt_on_error=0:second_deadlock_stack=1 \
  meson test -C build-tsan --no-rebuild --print-errorlogs mount_hostile mount_faults \
  mount_cluster_rw mount_cluster_faults

# libFuzzer, bounded: fuzz_seconds per target (tests/fuzz/meson.build).
export CC=clang
setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-fuzz tests/fuzz/fuzz_names tests/fuzz/fuzz_parse
meson test -C build-fuzz --no-rebuild --suite fuzz --print-errorlogs
