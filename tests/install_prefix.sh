#!/usr/bin/env bash
# install_prefix.sh - `meson install` into a prefix the user owns writes nothing outside it;
# a system-wide prefix puts the mount helper where mount(8) looks (SPEC 1).
#   tests/install_prefix.sh SOURCE_DIR
set -euo pipefail
src=$1
work=$(mktemp -d /tmp/redisfs-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

meson setup "$work/build" "$src" --prefix="$prefix" -Dtests=disabled >"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log"; exit 1; }
ninja -C "$work/build" >"$work/ninja.log" 2>&1 || { cat "$work/ninja.log"; exit 1; }
meson install -C "$work/build" >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }

# meson's own record of every path it wrote
fail=0
while read -r path; do
  case $path in
    "#"*|"") ;;
    "$prefix"|"$prefix"/*) ;;
    *) echo "FAIL: installed outside the prefix: $path"; fail=1 ;;
  esac
done <"$work/build/meson-logs/install-log.txt"
for f in bin/redisfs sbin/mount.fuse.redisfs sbin/mount.redisfs share/man/man1/redisfs.1; do
  [ -e "$prefix/$f" ] || [ -L "$prefix/$f" ] || { echo "FAIL: $prefix/$f missing"; fail=1; }
done
# the helper runs the redisfs beside it, in the prefix
grep -q "$prefix/bin" "$prefix/sbin/mount.fuse.redisfs" ||
  { echo "FAIL: the helper does not run $prefix/bin/redisfs"; fail=1; }

# system-wide: the helper goes to /sbin (asked of meson, nothing installed)
meson setup "$work/system" "$src" --prefix=/usr/local -Dtests=disabled >/dev/null
helper=$(meson introspect --installed "$work/system" | python3 -c '
import json, sys
print("\n".join(v for k, v in json.load(sys.stdin).items() if k.endswith("mount.fuse.redisfs")))')
[ "$helper" = /sbin/mount.fuse.redisfs ] ||
  { echo "FAIL: with prefix /usr/local the helper goes to '$helper', not /sbin"; fail=1; }

[ $fail = 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
