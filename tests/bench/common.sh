# shellcheck shell=bash
# common.sh - what every bench script shares: the latency hold, a private redis-server,
# mounts, timing and clean-up. Sourced (not run) by run.sh, tls.sh, ghosts.sh and ghost_keys.sh.
#
# A script sets BENCH_NAME, sources this file, then calls bench_setup (a work directory
# and the clean-up trap) and bench_hold_latency before it measures.

export LC_ALL=C

pids=()   # servers and FUSE daemons still running
mounts=() # every mountpoint used

say() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
fail() { printf '%s: FAILED: %s\n' "$BENCH_NAME" "$*" >&2; exit 1; }

# bench_setup: $work, a temporary directory that the clean-up removes (never through a mount).
bench_setup() {
  work=$(mktemp -d "/tmp/redisfs-$BENCH_NAME-XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
bench_cleanup() {
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
  if declare -F bench_cleanup_more >/dev/null; then bench_cleanup_more; fi
}

# bench_hold_latency: keep every CPU out of deep idle states until the script ends, and say
# so in $latency_held (for the table). On a virtual machine a halted vCPU's wake-up adds tens
# of µs to each FUSE round trip, and how often that happens moves with the machine's load:
# held, the figures show the file systems, not the hypervisor. The kernel keeps the request
# for as long as the file stays open (PM QoS): the descriptor is the shell's, inherited by
# what it starts, and closed when the last of them ends.
latency_held="not held"
bench_hold_latency() {
  local now
  if [ ! -w /dev/cpu_dma_latency ] || ! { exec {latency_fd}>/dev/cpu_dma_latency; } 2>/dev/null; then
    say "cannot open /dev/cpu_dma_latency (root only): the latency is NOT held"
    latency_held="not held (no access to /dev/cpu_dma_latency)"
    return 0
  fi
  printf '\x00\x00\x00\x00' >&"$latency_fd" # a 4-byte int: 0 µs
  now=$(od -An -td4 /dev/cpu_dma_latency | tr -d ' ')
  if [ "$now" = 0 ]; then
    latency_held="held at 0 µs for the whole run (\`/dev/cpu_dma_latency\` open, 0 written)"
  else
    latency_held="asked for 0 µs, the system says $now µs"
  fi
  say "/dev/cpu_dma_latency: $latency_held"
}

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# start_redis [ARGS...]: a redis-server on loopback, without persistence, in $work; its port
# in $rport, rcli talks to it. ARGS are added (tls.sh: its TLS port and certificates).
start_redis() {
  rport=$(free_port)
  redis-server --port "$rport" --bind 127.0.0.1 --dir "$work" --save '' --appendonly no \
    --daemonize no "$@" >"$work/redis.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 100); do rcli ping >/dev/null 2>&1 && break; sleep 0.1; done
  rcli ping >/dev/null 2>&1 || fail "redis-server did not start: $(tail -n 3 "$work/redis.log")"
}
rcli() { redis-cli -h 127.0.0.1 -p "$rport" "$@"; }

# load_keys DB N [SIZE]: keys key:0 .. key:N-1 of SIZE bytes (32), "0000000\n" over and over
# (memfs's content), in batches.
load_keys() {
  local at last size=${3:-32}
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
      return 0" 0 "$at" "$last" "$size" >/dev/null
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

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
commas() { sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/; ta' <<<"$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

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

forget_pid() {
  local keep=() pid
  for pid in "${pids[@]}"; do [ "$pid" = "$1" ] || keep+=("$pid"); done
  pids=("${keep[@]}")
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
peak_rss_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# machine_line: the machine, the versions and the load, for the table's header.
machine_line() {
  printf '%s × %s, Linux %s, redis-server %s' "$(nproc)" \
    "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" "$(uname -r)" \
    "$(redis-server --version | awk '{sub(/^v=/, "", $3); print $3}')"
}
