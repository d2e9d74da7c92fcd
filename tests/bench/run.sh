#!/usr/bin/env bash
# run.sh - benchmark (issue 5): ls -f, ls -l, cat, rm -r and peak memory of redisfs, each
# beside its floor measured in the same run (a SCAN loop in C, an in-memory FUSE file system,
# tmpfs) and the redis-cli command a user would otherwise run, as medians with the ratio.
#
#   tests/bench/run.sh                     1,000,000 / 100,000 keys, a 100 MiB string, 3 runs
#   SCALE=0.1 RUNS=1 tests/bench/run.sh    a quick run: every size times SCALE
#   PARTS=lsl tests/bench/run.sh           only some parts: lsf lsl cat rm rss
#   BASE_BIN=../main/build/redisfs ...     the ls -l rows also for that build, in the same run
#   LSL_RUNS=9 ...                         turns of the ls -l rows at 100,000 keys (9 by default)
#
# Starts its own redis-server on loopback in a temporary directory, mounts build/redisfs and
# build/tests/bench/memfs there, and stops all of it (unmount; servers by PID) when it ends,
# also on failure or Ctrl-C. Holds /dev/cpu_dma_latency at 0 while it measures, and says so
# (tests/bench/common.sh). Needs a built tree: meson setup build && ninja -C build.
# The table (markdown) goes to stdout, progress to stderr: run.sh >table.md pastes as it is.
# A wrong answer (a count or an md5 that differs) stops it with status 1; a missed target
# does not: it is a measurement.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
BENCH_NAME=run.sh
. "$top/tests/bench/common.sh"
RUNS=${RUNS:-3}
# PARTS: which parts to run (all by default; e.g. PARTS=lsl for the ls -l rows alone)
PARTS=${PARTS:-lsf lsl cat rm rss}
part() { [[ " $PARTS " == *" $1 "* ]]; }
SCALE=${SCALE:-1}
build=${BUILD:-$top/build}
bin=${REDISFS_BIN:-$build/redisfs}
# BASE_BIN: another redisfs (main's, say) measured beside it in the ls -l rows, same run
base_bin=${BASE_BIN:-}
# LSL_RUNS: turns of the ls -l rows at N_ATTR keys. One pair of runs of two identical memfs
# mounts comes out 0.8-1.25× apart here, so a ratio against 1.1× needs more than RUNS' median
# (the 1,000,000-key rows, a minute per ls -l, take RUNS).
LSL_RUNS=${LSL_RUNS:-9}
for exe in "$bin" "$build/tests/bench/memfs" "$build/tests/bench/scan_floor" \
  "$build/tests/bench/unlink_floor"; do
  [ -x "$exe" ] || { echo "run.sh: no $exe: build first (meson setup build && ninja -C build)" >&2; exit 1; }
done

scaled() { awk -v n="$1" -v s="$SCALE" 'BEGIN {v = int(n * s); print v < 1 ? 1 : v}'; }
N_LIST=$(scaled 1000000) # keys in db0, for ls -f and the peak RSS
N_ATTR=$(scaled 100000)  # keys in db1, for ls -l and rm -r
BIG_MIB=$(scaled 100)    # MiB of the string in db2, for cat
VALUE_SIZE=32            # bytes of every small string

shm=$(mktemp -d "${TMPFS_DIR:-/dev/shm}/redisfs-bench-XXXXXX")
[ "$(stat -f -c %T "$shm")" = tmpfs ] || { rm -rf "$shm"; echo "run.sh: $shm is not on tmpfs (set TMPFS_DIR)" >&2; exit 1; }
bench_cleanup_more() { rm -rf "$shm"; }
bench_setup

mount_redisfs() {
  mount_fs "$1" "$work/redisfs.$(basename "$1").log" \
    "$work/bin/redisfs" "redis://127.0.0.1:$rport" "$1" -f -o timeout=60
}
# mount_memfs DIR COUNT SIZE PREFIX
mount_memfs() {
  mount_fs "$1" "$work/memfs.$(basename "$1").log" \
    "$work/bin/memfs" "$1" -f -o "count=$2,size=$3,prefix=$4"
}

# The cache_timeout of both mounts is 1 s: a timed FUSE command starts after it, with
# nothing left from the run before it in the kernel's caches or the daemon's.
settle() { sleep 1.1; }

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
# long_sizes DIR: ls -l's lines, then the one size every file shows ("mixed" if they differ)
long_sizes() {
  ls -l "$1" | awk 'NR > 1 && !($5 in seen) {seen[$5]; n++; size = $5}
    END {print NR, n == 1 ? size : "mixed"}'
}
cat_md5() { cat "$1" | md5sum; }
cli_scan_count() { rcli -n "$1" --scan | wc -l; }
cli_get_md5() { rcli -n "$1" --raw -D '' GET "$2" | md5sum; }
scan_floor() { "$work/bin/scan_floor" 127.0.0.1 "$rport" "$1"; }
unlink_floor() { "$work/bin/unlink_floor" 127.0.0.1 "$rport" "$1" key: "$2"; }

# --- servers, binaries and data ---------------------------------------------------------
mkdir -p "$work/bin"
# copies: a rebuild during the run does not change what is measured
cp "$bin" "$work/bin/redisfs"
if [ -n "$base_bin" ]; then cp "$base_bin" "$work/bin/redisfs_base"; fi
cp "$build/tests/bench/memfs" "$build/tests/bench/scan_floor" "$build/tests/bench/unlink_floor" \
  "$work/bin/"

start_redis
bench_hold_latency

load_avg_start=$(cut -d' ' -f1-3 /proc/loadavg)
say "loading $(commas "$N_LIST") keys in db0, $(commas "$N_ATTR") in db1, a $BIG_MIB MiB string in db2"
if part lsf || part lsl || part rss; then load_keys 0 "$N_LIST" "$VALUE_SIZE"; fi
if part lsl || part rm; then load_keys 1 "$N_ATTR" "$VALUE_SIZE"; fi
if part cat; then load_big 2 "$BIG_MIB"; fi
big_size=$((BIG_MIB * 1048576))

# --- ls -f: redisfs, scan_floor, redis-cli --scan; memfs for information ----------------
if part lsf; then
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
  unmount_fs "$work/mnt" "$mnt_pid"
fi

# --- ls -l of N_ATTR and of N_LIST keys: redisfs and memfs at the same count -----------
# Each run mounts afresh: the first ls -l meets empty caches (fresh), the second one right
# after it, on the same mount, finds the kernel's entries and the daemon's inodes (cached).
# declare -A peaks: a daemon's peak RSS (KiB) after both, per run.
declare -A peaks
peak_add() { peaks[$1]+="$2 "; }
peak_med() { printf '%s\n' ${peaks[$1]} | median; }
# The daemon's CPU time (user + system, /proc/PID/stat), which the machine's load disturbs less
# than wall time: cpus[KEY] gets the seconds of each run.
declare -A cpus
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_add() {
  local s
  s=$(awk -v a="$3" -v b="$(cpu_ticks "$2")" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / hz}')
  cpus[$1]+="$s "
  say "  $1 daemon CPU: $s s"
}
cpu_med() { printf '%s\n' ${cpus[$1]} | median; }
# lsl_run FS N DB: one run: a fresh mount of FS (redisfs, redisfs_base, memfs or memfs_again:
# a second memfs, the control; a redisfs lists database DB), ls -l twice. Every file must show
# VALUE_SIZE bytes.
lsl_run() {
  local fs=$1 n=$2 db=$3 dir pid state cpu0
  if [ "${fs#memfs}" != "$fs" ]; then
    mount_memfs "$work/lsl_$fs" "$n" "$VALUE_SIZE" key:
  else
    mount_fs "$work/lsl_$fs" "$work/$fs.lsl.log" \
      "$work/bin/$fs" "redis://127.0.0.1:$rport" "$work/lsl_$fs" -f -o timeout=60
  fi
  pid=$daemon
  dir="$work/lsl_$fs/db$db"
  for state in fresh cached; do
    cpu0=$(cpu_ticks "$pid")
    measure "lsl_${n}_${state}_$fs" long_sizes "$dir"
    cpu_add "lsl_${n}_${state}_$fs" "$pid" "$cpu0"
    [ "$(cat "$work/out")" = "$((n + 1)) $VALUE_SIZE" ] ||
      fail "ls -l of $fs ($state): '$(cat "$work/out")', expected '$((n + 1)) $VALUE_SIZE' (lines, size)"
  done
  peak_add "lsl_${n}_$fs" "$(peak_rss_kib "$pid")"
  say "  lsl_${n}_$fs peak RSS: $(peak_rss_kib "$pid") KiB"
  unmount_fs "$work/lsl_$fs" "$pid"
}
if part lsl; then
  # turn about: redisfs, memfs, the second memfs (and BASE_BIN), so that a change in the
  # machine's load falls on all of them; the control's ratio to memfs shows the noise
  for n_db_turns in "$N_ATTR 1 $LSL_RUNS" "$N_LIST 0 $RUNS"; do
    read -r n db turns <<<"$n_db_turns"
    say "ls -l of $(commas "$n") keys, fresh and cached, $turns turns"
    for _ in $(seq "$turns"); do
      lsl_run redisfs "$n" "$db"
      lsl_run memfs "$n" 0
      lsl_run memfs_again "$n" 0
      if [ -n "$base_bin" ]; then lsl_run redisfs_base "$n" "$db"; fi
    done
  done
  make_files "$shm/attr" "$N_ATTR"
  for _ in $(seq "$RUNS"); do
    measure lsl_tmpfs long_count "$shm/attr"
    expect "ls -l on tmpfs" $((N_ATTR + 1))
  done
  rm -rf "$shm/attr"
fi

# --- cat | md5sum: redisfs, tmpfs, redis-cli GET; memfs for information -----------------
if part cat; then
  say "cat | md5sum of a $BIG_MIB MiB string"
  mount_redisfs "$work/mnt"
  mnt_pid=$daemon
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
fi

# --- rm -r: redisfs, memfs, each freshly loaded and mounted; tmpfs for information ------
if part rm; then
  say "rm -r of a database with $(commas "$N_ATTR") keys"
  for run in $(seq "$RUNS"); do
    [ "$run" = 1 ] || load_keys 1 "$N_ATTR" "$VALUE_SIZE"
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
    load_keys 1 "$N_ATTR" "$VALUE_SIZE"
    measure rm_unlinks unlink_floor 1 "$N_ATTR"
    [ "$(rcli -n 1 DBSIZE)" = 0 ] || fail "unlink_floor left $(rcli -n 1 DBSIZE) keys in db1"
  done
fi

# --- peak RSS of a fresh daemon after ls -f of db0 (after ls -l: the ls -l part) --------
if part rss; then
  say "daemon peak RSS after ls -f of $(commas "$N_LIST") keys (a fresh daemon)"
  mount_redisfs "$work/mnt_rss"
  measure rss_lsf list_count "$work/mnt_rss/db0"
  expect "ls -f of redisfs db0" $((N_LIST + 2))
  rss_lsf=$(peak_rss_kib "$daemon")
  unmount_fs "$work/mnt_rss" "$daemon"
fi
load_avg_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the tables --------------------------------------------------------------------------
# row WHAT KEY FLOOR_KEY FLOOR_NAME TARGET: TARGET is a ratio limit, or "faster" (below 1).
row() {
  local fs floor ratio goal verdict
  fs=$(med "$2")
  floor=$(med "$3")
  ratio=$(ratio "$fs" "$floor")
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
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
rss_row() {
  local verdict=met
  [ "$2" -le $(($3 * 1024)) ] || verdict='**missed**'
  printf '| %s | %s MiB | | | | ≤ %d MiB | %s |\n' "$1" "$(mib "$2")" "$3" "$verdict"
}
info_row() { printf '| %s | %.3f s |\n' "$1" "$(med "$2")"; }
# sum_row WHAT KEY1 KEY2 FS_KEY: the sum of two medians, and FS_KEY's median as a ratio to it.
sum_row() {
  awk -v w="$1" -v a="$(med "$2")" -v b="$(med "$3")" -v f="$(med "$4")" \
    'BEGIN {printf "| %s | %.3f s (redisfs: %.2f× of it) |\n", w, a + b, f / (a + b)}'
}
# pair_ratio A B: the median of the ratios of A's run i to B's run i (taken one after the
# other, so that a change in the machine's load moves both), with their range.
pair_ratio() {
  paste <(printf '%s\n' ${times[$1]}) <(printf '%s\n' ${times[$2]}) |
    awk '{print $1 / $2}' | sort -g |
    awk '{a[NR] = $1} END {printf "%.2f× (%.2f-%.2f)", a[int((NR + 1) / 2)], a[1], a[NR]}'
}
# lsl_row N STATE FS [NOTE]: ls -l of N keys, fresh or cached, FS beside memfs, peak RSS.
# The control (memfs_again) has no target: how far it is from 1× is the run's noise.
lsl_row() {
  local fs floor r target verdict
  fs=$(med "lsl_${1}_${2}_$3")
  floor=$(med "lsl_${1}_${2}_memfs")
  r=$(pair_ratio "lsl_${1}_${2}_$3" "lsl_${1}_${2}_memfs")
  if [ "$3" = memfs_again ]; then
    target='1× + noise' verdict=''
  else
    target='≤ 1.1×'
    verdict=$(awk -v r="${r%%×*}" 'BEGIN {print r <= 1.1 ? "met" : "**missed**"}')
  fi
  printf '| `ls -l` of %s keys, %s%s | %.3f s | %.3f s | %s | %s | %s | %s MiB | %s MiB |\n' \
    "$(commas "$1")" "$2" "${4:-}" "$fs" "$floor" "$r" "$target" "$verdict" \
    "$(mib "$(peak_med "lsl_${1}_$3")")" "$(mib "$(peak_med "lsl_${1}_memfs")")"
}

n_list=$(commas "$N_LIST")
n_attr=$(commas "$N_ATTR")
fuse_version=$("$work/bin/redisfs" --version | awk '/^FUSE library version/ {print $4}')
cat <<EOF

### redisfs benchmark (issue 5): medians of RUNS=$RUNS (the ls -l rows at $n_attr keys: LSL_RUNS=$LSL_RUNS), SCALE=$SCALE

- Machine: $(machine_line), libfuse $fuse_version; load average $load_avg_start at the start, $load_avg_end at the end
- CPU wake-up latency: $latency_held
- Command: \`RUNS=$RUNS LSL_RUNS=$LSL_RUNS SCALE=$SCALE PARTS="$PARTS" tests/bench/run.sh\`
EOF
if part lsl; then
  cat <<EOF

| \`ls -l\` (a fresh mount each run; cached: the second \`ls -l\` on it) | redisfs | floor: memfs, as many files | ratio (median of the runs'; range) | target | | redisfs peak RSS | memfs peak RSS |
| --- | --- | --- | --- | --- | --- | --- | --- |
EOF
  for n in "$N_ATTR" "$N_LIST"; do
    for state in fresh cached; do
      lsl_row "$n" "$state" redisfs
      if [ -n "$base_bin" ]; then lsl_row "$n" "$state" redisfs_base ", \`BASE_BIN\`"; fi
      lsl_row "$n" "$state" memfs_again ": a second memfs (the control: the noise)"
    done
  done
  cat <<EOF

| \`ls -l\`: the daemon's CPU time (user + system), median of the runs | redisfs | memfs |$([ -n "$base_bin" ] && printf ' `BASE_BIN` |')
| --- | --- | --- |$([ -n "$base_bin" ] && printf ' --- |')
EOF
  for n in "$N_ATTR" "$N_LIST"; do
    for state in fresh cached; do
      printf '| %s keys, %s | %s s | %s s |' "$(commas "$n")" "$state" \
        "$(cpu_med "lsl_${n}_${state}_redisfs")" "$(cpu_med "lsl_${n}_${state}_memfs")"
      if [ -n "$base_bin" ]; then printf ' %s s |' "$(cpu_med "lsl_${n}_${state}_redisfs_base")"; fi
      printf '\n'
    done
  done
fi
cat <<EOF

| what | redisfs | floor | floor is | ratio | target | |
| --- | --- | --- | --- | --- | --- | --- |
EOF
if part lsf; then
  row "\`ls -f\` of $n_list keys" lsf_redisfs lsf_scan "SCAN COUNT 1000 loop in C (\`scan_floor\`)" 1.5
  row "same" lsf_redisfs lsf_cli "\`redis-cli --scan \\| wc -l\`" faster
fi
if part cat; then
  row "\`cat \\| md5sum\` of a $BIG_MIB MiB string" cat_redisfs cat_tmpfs "the same file on tmpfs" 2
  row "same" cat_redisfs cat_cli "\`redis-cli --raw GET \\| md5sum\`" faster
fi
if part rm; then
  row "\`rm -r\` of a database with $n_attr keys" rm_redisfs rm_memfs "\`rm -r\` of $n_attr files on memfs" 2
fi
if part rss; then
  rss_row "daemon peak RSS after \`ls -f\` of $n_list keys" "$rss_lsf" 64
fi
if part lsl; then
  rss_row "daemon peak RSS after \`ls -l\` of $n_list keys, twice" "$(peak_med "lsl_${N_LIST}_redisfs")" 128
fi
cat <<EOF

| for information | median |
| --- | --- |
EOF
if part lsf; then info_row "\`ls -f\` of $n_list files on memfs" lsf_memfs; fi
if part lsl; then info_row "\`ls -l\` of $n_attr files on tmpfs" lsl_tmpfs; fi
if part cat; then info_row "\`cat \\| md5sum\` of $BIG_MIB MiB on memfs" cat_memfs; fi
if part rm; then
  info_row "\`rm -r\` of $n_attr files on tmpfs" rm_tmpfs
  info_row "\`UNLINK\` of $n_attr keys one at a time in C (\`unlink_floor\`)" rm_unlinks
  sum_row "\`rm -r\` on memfs plus those round trips: the bound of an \`rm -r\` that waits for Redis" \
    rm_memfs rm_unlinks rm_redisfs
fi
if part rss; then info_row "\`ls -f\` of $n_list keys, fresh redisfs daemon (the RSS row)" rss_lsf; fi
