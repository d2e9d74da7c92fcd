#!/usr/bin/env bash
# test.sh - build redisfs and run the whole test suite, then again under ASan+UBSan.
# Usage: scripts/test.sh            (as root on Debian 12: installs what is missing)
#        SANITIZE=0 scripts/test.sh (skip the sanitizer pass)
set -euo pipefail
cd "$(dirname "$0")/.."

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

install_packages
[ -e /dev/fuse ] || { echo "test.sh: /dev/fuse is missing: FUSE tests cannot run" >&2; exit 1; }

meson setup build --wipe >/dev/null 2>&1 || meson setup build
ninja -C build
meson test -C build --print-errorlogs

if [ "${SANITIZE:-1}" != 0 ]; then
  meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false --wipe >/dev/null 2>&1 ||
    meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
  ninja -C build-asan
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --print-errorlogs
fi
