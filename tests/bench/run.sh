#!/usr/bin/env bash
# run.sh - benchmark (issue 5): ls -f, ls -l, cat, rm -r and peak memory of redisfs, each
# beside its floor measured in the same run (a SCAN loop in C, an in-memory FUSE file system,
# tmpfs) and the redis-cli command a user would otherwise run, as medians with the ratio.
#
#   tests/bench/run.sh                     1,000,000 / 100,000 keys, a 100 MiB string, 3 runs
#   SCALE=0.1 RUNS=1 tests/bench/run.sh    a quick run: every size times SCALE
#
# Starts its own redis-server on loopback in a temporary directory, mounts build/redisfs and
# build/tests/bench/memfs there, and stops all of it (unmount; servers by PID) when it ends,
# also on failure or Ctrl-C. Needs a built tree: meson setup build && ninja -C build.
# The table (markdown) goes to stdout, progress to stderr: run.sh >table.md pastes as it is.
# A wrong answer (a count or an md5 that differs) stops it with status 1; a missed target
# does not: it is a measurement.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
top=$(pwd)
RUNS=${RUNS:-3}
SCALE=${SCALE:-1}
build=${BUILD:-$top/build}
bin=${REDISFS_BIN:-$build/redisfs}
for exe in "$bin" "$build/tests/bench/memfs" "$build/tests/bench/scan_floor" \
  "$build/tests/bench/unlink_floor"; do
  [ -x "$exe" ] || { echo "run.sh: no $exe: build first (meson setup build && ninja -C build)" >&2; exit 1; }
done

scaled() { awk -v n="$1" -v s="$SCALE" 'BEGIN {v = int(n * s); print v < 1 ? 1 : v}'; }
N_LIST=$(scaled 1000000) # keys in db0, for ls -f and the peak RSS
N_ATTR=$(scaled 100000)  # keys in db1, for ls -l and rm -r
BIG_MIB=$(scaled 100)    # MiB of the string in db2, for cat
VALUE_SIZE=32            # bytes of every small string

work=$(mktemp -d /tmp/redisfs-bench-XXXXXX)
shm=$(mktemp -d "${TMPFS_DIR:-/dev/shm}/redisfs-bench-XXXXXX")
[ "$(stat -f -c %T "$shm")" = tmpfs ] || { echo "run.sh: $shm is not on tmpfs (set TMPFS_DIR)" >&2; exit 1; }
pids=()   # servers and FUSE daemons still running
mounts=() # every mountpoint used
cleanup() {
  local dir pid
  trap - EXIT INT TERM
  for dir in "${mounts[@]}"; do
    if grep -qs " $dir fuse" /proc/mounts; then fusermount3 -u "$dir" 2>/dev/null || umount -l "$dir"; fi
  done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  # never rm -r through a mount that is still there: it would delete keys
  if ! grep -qs " $work/" /proc/mounts; then rm -rf "$work"; fi
  rm -rf "$shm"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
fail() { printf 'run.sh: FAILED: %s\n' "$*" >&2; exit 1; }
forget_pid() {
  local keep=() pid
  for pid in "${pids[@]}"; do [ "$pid" = "$1" ] || keep+=("$pid"); done
  pids=("${keep[@]}")
}

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
commas() { sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/; ta' <<<"$1"; }

# measure KEY CMD...: run CMD once, its stdout in $work/out, its wall time added to times[KEY].
declare -A times
measure() {
  local key=$1 t0 t1 s
  shift
  t0=$EPOCHREALTIME
  "$@" >"$work/out" || fail "$key: '$*' failed"
  t1=$EPOCHREALTIME
  s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}')
  times[$key]+="$s "
  say "  $key: $s s"
}
med() { printf '%s\n' ${times[$1]} | median; }
# expect WHAT VALUE: the last measured command printed VALUE, or the run stops.
expect() {
  local got
  got=$(awk '{print $1}' "$work/out")
  [ "$got" = "$2" ] || fail "$1: got '$got', expected '$2'"
}

# mount_fs DIR LOG CMD...: run the FUSE daemon CMD (which mounts DIR in the foreground) in
# the background, wait for the mount; its PID in $daemon.
daemon=
mount_fs() {
  local dir=$1 log=$2
  shift 2
  mkdir -p "$dir"
  "$@" >"$log" 2>&1 &
  daemon=$!
  pids+=("$daemon")
  mounts+=("$dir")
  for _ in $(seq 600); do
    grep -qs " $dir fuse" /proc/mounts && return 0
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.05
  done
  fail "cannot mount $dir: $(tail -n 3 "$log")"
}
# unmount_fs DIR PID: unmount, wait for the daemon to end (it may finish pending work).
unmount_fs() {
  fusermount3 -u "$1" 2>/dev/null || umount -l "$1"
  for _ in $(seq 300); do kill -0 "$2" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$2" 2>/dev/null; then
    kill "$2"
    fail "daemon $2 still running 15 s after unmounting $1"
  fi
  wait "$2" 2>/dev/null || true
  forget_pid "$2"
}
mount_redisfs() {
  mount_fs "$1" "$work/redisfs.$(basename "$1").log" \
    "$work/bin/redisfs" "redis://127.0.0.1:$rport" "$1" -f -o timeout=60
}
# mount_memfs DIR COUNT SIZE PREFIX
mount_memfs() {
  mount_fs "$1" "$work/memfs.$(basename "$1").log" \
    "$work/bin/memfs" "$1" -f -o "count=$2,size=$3,prefix=$4"
}
peak_rss_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# The cache_timeout of both mounts is 1 s: a timed FUSE command starts after it, with
# nothing left from the run before it in the kernel's caches or the daemon's.
settle() { sleep 1.1; }

rcli() { redis-cli -h 127.0.0.1 -p "$rport" "$@"; }
# load_keys DB N: keys key:0 .. key:N-1, VALUE_SIZE bytes each (memfs's content), in batches.
load_keys() {
  local at last
  for ((at = 0; at < $2; at += 100000)); do
    last=$((at + 99999 < $2 - 1 ? at + 99999 : $2 - 1))
    rcli -n "$1" EVAL "
      local size = tonumber(ARGV[3])
      local value = string.sub(string.rep('0000000\n', math.ceil(size / 8)), 1, size)
      for at = tonumber(ARGV[1]), tonumber(ARGV[2]), 1000 do
        local args = {}
        for i = at, math.min(at + 999, tonumber(ARGV[2])) do
          args[#args + 1] = 'key:' .. i
          args[#args + 1] = value
        end
        redis.call('MSET', unpack(args))
      end
      return 0" 0 "$at" "$last" "$VALUE_SIZE" >/dev/null
  done
  [ "$(rcli -n "$1" DBSIZE)" = "$2" ] || fail "db$1 holds $(rcli -n "$1" DBSIZE) keys, expected $2"
}
# load_big DB MIB: the string big:0, MiB i of it the line "%07d\n" of i over and over (memfs's).
load_big() {
  rcli -n "$1" EVAL "
    local mib = tonumber(ARGV[1])
    redis.call('SETRANGE', KEYS[1], mib * 1048576 - 1, '\n')
    for i = 0, mib - 1 do
      redis.call('SETRANGE', KEYS[1], i * 1048576, string.rep(string.format('%07d\n', i), 131072))
    end
    return 0" 1 big:0 "$2" >/dev/null
}
# make_files DIR N: the files of load_keys, on tmpfs.
make_files() {
  mkdir -p "$1"
  (cd "$1" && awk -v n="$2" -v size="$VALUE_SIZE" 'BEGIN {
    while (length(v) < size) v = v "0000000\n"
    v = substr(v, 1, size)
    for (i = 0; i < n; i++) { f = "key:" i; printf "%s", v > f; close(f) }
  }')
}

list_count() { ls -f "$1" | wc -l; }
long_count() { ls -l "$1" | wc -l; }
cat_md5() { cat "$1" | md5sum; }
cli_scan_count() { rcli -n "$1" --scan | wc -l; }
cli_get_md5() { rcli -n "$1" --raw -D '' GET "$2" | md5sum; }
scan_floor() { "$work/bin/scan_floor" 127.0.0.1 "$rport" "$1"; }
unlink_floor() { "$work/bin/unlink_floor" 127.0.0.1 "$rport" "$1" key: "$2"; }

# --- servers, binaries and data ---------------------------------------------------------
mkdir -p "$work/bin"
# copies: a rebuild during the run does not change what is measured
cp "$bin" "$work/bin/redisfs"
cp "$build/tests/bench/memfs" "$build/tests/bench/scan_floor" "$build/tests/bench/unlink_floor" \
  "$work/bin/"

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --dir "$work" --save '' --appendonly no \
  --daemonize no >"$work/redis.log" 2>&1 &
redis_pid=$!
pids+=("$redis_pid")
for _ in $(seq 100); do rcli ping >/dev/null 2>&1 && break; sleep 0.1; done
rcli ping >/dev/null 2>&1 || fail "redis-server did not start: $(tail -n 3 "$work/redis.log")"

load_avg_start=$(cut -d' ' -f1-3 /proc/loadavg)
say "loading $(commas "$N_LIST") keys in db0, $(commas "$N_ATTR") in db1, a $BIG_MIB MiB string in db2"
load_keys 0 "$N_LIST"
load_keys 1 "$N_ATTR"
load_big 2 "$BIG_MIB"
big_size=$((BIG_MIB * 1048576))

# --- ls -f: redisfs, scan_floor, redis-cli --scan; memfs for information ----------------
say "ls -f of $(commas "$N_LIST") keys"
mount_redisfs "$work/mnt"
mnt_pid=$daemon
mount_memfs "$work/memfs_list" "$N_LIST" "$VALUE_SIZE" key:
memfs_list_pid=$daemon
for _ in $(seq "$RUNS"); do
  settle
  measure lsf_redisfs list_count "$work/mnt/db0"
  expect "ls -f of redisfs db0 (lines: keys, . and ..)" $((N_LIST + 2))
  measure lsf_scan scan_floor 0
  # SCAN may return a key twice (while the server rehashes), never miss one
  [ "$(awk '{print $1}' "$work/out")" -ge "$N_LIST" ] || fail "scan_floor: $(cat "$work/out")"
  measure lsf_cli cli_scan_count 0
  [ "$(cat "$work/out")" -ge "$N_LIST" ] || fail "redis-cli --scan: $(cat "$work/out") keys"
  settle
  measure lsf_memfs list_count "$work/memfs_list/db0"
  expect "ls -f of memfs db0" $((N_LIST + 2))
done
unmount_fs "$work/memfs_list" "$memfs_list_pid"

# --- ls -l: redisfs, memfs; tmpfs for information --------------------------------------
say "ls -l of $(commas "$N_ATTR") keys"
mount_memfs "$work/memfs_attr" "$N_ATTR" "$VALUE_SIZE" key:
memfs_attr_pid=$daemon
make_files "$shm/attr" "$N_ATTR"
for _ in $(seq "$RUNS"); do
  settle
  measure lsl_redisfs long_count "$work/mnt/db1"
  expect "ls -l of redisfs db1 (lines: total and keys)" $((N_ATTR + 1))
  settle
  measure lsl_memfs long_count "$work/memfs_attr/db0"
  expect "ls -l of memfs db0" $((N_ATTR + 1))
  measure lsl_tmpfs long_count "$shm/attr"
  expect "ls -l on tmpfs" $((N_ATTR + 1))
done
# the sizes: what redisfs says is what Redis says
sizes=$(ls -l "$work/mnt/db1" | awk 'NR > 1 {print $5}' | sort -u)
[ "$sizes" = "$VALUE_SIZE" ] || fail "ls -l of redisfs db1 shows sizes '$sizes', expected $VALUE_SIZE"
unmount_fs "$work/memfs_attr" "$memfs_attr_pid"
rm -rf "$shm/attr"

# --- cat | md5sum: redisfs, tmpfs, redis-cli GET; memfs for information -----------------
say "cat | md5sum of a $BIG_MIB MiB string"
rcli -n 2 --raw -D '' GET big:0 >"$shm/big:0"
[ "$(stat -c %s "$shm/big:0")" = "$big_size" ] || fail "redis-cli GET gave $(stat -c %s "$shm/big:0") bytes"
[ "$(stat -c %s "$work/mnt/db2/big:0")" = "$big_size" ] || fail "stat of redisfs db2/big:0: $(stat -c %s "$work/mnt/db2/big:0") bytes"
big_md5=$(md5sum <"$shm/big:0" | awk '{print $1}')
mount_memfs "$work/memfs_big" 1 "$big_size" big:
memfs_big_pid=$daemon
for _ in $(seq "$RUNS"); do
  settle
  measure cat_redisfs cat_md5 "$work/mnt/db2/big:0"
  expect "md5 of redisfs db2/big:0" "$big_md5"
  measure cat_tmpfs cat_md5 "$shm/big:0"
  expect "md5 of the tmpfs copy" "$big_md5"
  measure cat_cli cli_get_md5 2 big:0
  expect "md5 of redis-cli --raw GET" "$big_md5"
  settle
  measure cat_memfs cat_md5 "$work/memfs_big/db0/big:0"
  expect "md5 of memfs db0/big:0" "$big_md5"
done
unmount_fs "$work/memfs_big" "$memfs_big_pid"
rm -f "$shm/big:0"
unmount_fs "$work/mnt" "$mnt_pid"

# --- rm -r: redisfs, memfs, each freshly loaded and mounted; tmpfs for information ------
say "rm -r of a database with $(commas "$N_ATTR") keys"
for run in $(seq "$RUNS"); do
  [ "$run" = 1 ] || load_keys 1 "$N_ATTR"
  mount_redisfs "$work/mnt_rm"
  measure rm_redisfs rm -r "$work/mnt_rm/db1"
  unmount_fs "$work/mnt_rm" "$daemon"
  [ "$(rcli -n 1 DBSIZE)" = 0 ] || fail "rm -r of redisfs db1 left $(rcli -n 1 DBSIZE) keys in db1"
  mount_memfs "$work/memfs_rm" "$N_ATTR" "$VALUE_SIZE" key:
  measure rm_memfs rm -r "$work/memfs_rm/db0"
  [ "$(list_count "$work/memfs_rm/db0")" = 2 ] || fail "rm -r of memfs db0 left files"
  unmount_fs "$work/memfs_rm" "$daemon"
  make_files "$shm/rm" "$N_ATTR"
  measure rm_tmpfs rm -r "$shm/rm"
  [ ! -e "$shm/rm" ] || fail "rm -r on tmpfs left $shm/rm"
  # the round trips that an rm -r waiting for Redis's answer adds to memfs's, one a file
  load_keys 1 "$N_ATTR"
  measure rm_unlinks unlink_floor 1 "$N_ATTR"
  [ "$(rcli -n 1 DBSIZE)" = 0 ] || fail "unlink_floor left $(rcli -n 1 DBSIZE) keys in db1"
done

# --- peak RSS of a fresh daemon after ls -f, and after ls -l, of db0 --------------------
say "daemon peak RSS after ls -f, then ls -l, of $(commas "$N_LIST") keys (a fresh daemon each)"
mount_redisfs "$work/mnt_rss"
measure rss_lsf list_count "$work/mnt_rss/db0"
expect "ls -f of redisfs db0" $((N_LIST + 2))
rss_lsf=$(peak_rss_kib "$daemon")
unmount_fs "$work/mnt_rss" "$daemon"
mount_redisfs "$work/mnt_rss"
measure rss_lsl long_count "$work/mnt_rss/db0"
expect "ls -l of redisfs db0" $((N_LIST + 1))
rss_lsl=$(peak_rss_kib "$daemon")
unmount_fs "$work/mnt_rss" "$daemon"
load_avg_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the table ---------------------------------------------------------------------------
# row WHAT KEY FLOOR_KEY FLOOR_NAME TARGET: TARGET is a ratio limit, or "faster" (below 1).
row() {
  local fs floor ratio goal verdict
  fs=$(med "$2")
  floor=$(med "$3")
  ratio=$(awk -v a="$fs" -v b="$floor" 'BEGIN {printf "%.2f", a / b}')
  if [ "$5" = faster ]; then
    goal=faster
    verdict=$(awk -v r="$ratio" 'BEGIN {print r < 1 ? "met" : "**missed**"}')
  else
    goal="≤ $5×"
    verdict=$(awk -v r="$ratio" -v t="$5" 'BEGIN {print r <= t ? "met" : "**missed**"}')
  fi
  printf '| %s | %.3f s | %.3f s | %s | %s× | %s | %s |\n' "$1" "$fs" "$floor" "$4" "$ratio" \
    "$goal" "$verdict"
}
rss_row() {
  local verdict=met
  [ "$2" -le $(($3 * 1024)) ] || verdict='**missed**'
  printf '| %s | %.1f MiB | | | | ≤ %d MiB | %s |\n' "$1" "$(awk -v k="$2" 'BEGIN {print k / 1024}')" \
    "$3" "$verdict"
}
info_row() { printf '| %s | %.3f s |\n' "$1" "$(med "$2")"; }
# sum_row WHAT KEY1 KEY2 FS_KEY: the sum of two medians, and FS_KEY's median as a ratio to it.
sum_row() {
  awk -v w="$1" -v a="$(med "$2")" -v b="$(med "$3")" -v f="$(med "$4")" \
    'BEGIN {printf "| %s | %.3f s (redisfs: %.2f× of it) |\n", w, a + b, f / (a + b)}'
}

n_list=$(commas "$N_LIST")
n_attr=$(commas "$N_ATTR")
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
fuse_version=$("$work/bin/redisfs" --version | awk '/^FUSE library version/ {print $4}')
cat <<EOF

### redisfs benchmark (issue 5): medians of RUNS=$RUNS, SCALE=$SCALE

- Machine: $(nproc) × $cpu, Linux $(uname -r), redis-server $(redis-server --version | awk '{sub(/^v=/, "", $3); print $3}'), libfuse $fuse_version; load average $load_avg_start at the start, $load_avg_end at the end
- Command: \`RUNS=$RUNS SCALE=$SCALE tests/bench/run.sh\`

| what | redisfs | floor | floor is | ratio | target | |
| --- | --- | --- | --- | --- | --- | --- |
EOF
row "\`ls -f\` of $n_list keys" lsf_redisfs lsf_scan "SCAN COUNT 1000 loop in C (\`scan_floor\`)" 1.5
row "same" lsf_redisfs lsf_cli "\`redis-cli --scan \\| wc -l\`" faster
row "\`ls -l\` of $n_attr keys" lsl_redisfs lsl_memfs "\`ls -l\` of $n_attr files on memfs (in-memory FUSE)" 1.5
row "\`cat \\| md5sum\` of a $BIG_MIB MiB string" cat_redisfs cat_tmpfs "the same file on tmpfs" 2
row "same" cat_redisfs cat_cli "\`redis-cli --raw GET \\| md5sum\`" faster
row "\`rm -r\` of a database with $n_attr keys" rm_redisfs rm_memfs "\`rm -r\` of $n_attr files on memfs" 2
rss_row "daemon peak RSS after \`ls -f\` of $n_list keys" "$rss_lsf" 64
rss_row "daemon peak RSS after \`ls -l\` of $n_list keys" "$rss_lsl" 128
cat <<EOF

| for information | median |
| --- | --- |
EOF
info_row "\`ls -f\` of $n_list files on memfs" lsf_memfs
info_row "\`ls -l\` of $n_attr files on tmpfs" lsl_tmpfs
info_row "\`cat \\| md5sum\` of $BIG_MIB MiB on memfs" cat_memfs
info_row "\`rm -r\` of $n_attr files on tmpfs" rm_tmpfs
info_row "\`UNLINK\` of $n_attr keys one at a time in C (\`unlink_floor\`)" rm_unlinks
sum_row "\`rm -r\` on memfs plus those round trips: the bound of an \`rm -r\` that waits for Redis" \
  rm_memfs rm_unlinks rm_redisfs
info_row "\`ls -f\` of $n_list keys, fresh redisfs daemon (the RSS row)" rss_lsf
info_row "\`ls -l\` of $n_list keys, fresh redisfs daemon (the RSS row)" rss_lsl
