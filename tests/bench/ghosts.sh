#!/usr/bin/env bash
# ghosts.sh - benchmark: ghosts/ for a big zset queue, each row beside its baseline measured in
# the same run, with the daemon's peak RSS during the row:
#   ls -f of the queue's ghosts        vs  redis-cli ZRANGE | sort, mysql | sort, comm -23
#   rm -r ghosts/RULE                  vs  rm -r of a database folder of as many keys,
#                                          and the pipeline into redis-cli, one ZREM a line
#
#   tests/bench/ghosts.sh            1,000,000 members, 1,000,000-row table, 10% ghosts
#   N=200000 RUNS=1 tests/bench/ghosts.sh   a smaller run
#
# Starts its own redis-server and mariadbd on loopback in a temporary directory and stops them
# (by PID) when it ends (tests/bench/common.sh, ghost_common.sh). Holds /dev/cpu_dma_latency at
# 0 while it measures. Needs a built tree (build/redisfs). The table is markdown, on stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
N=${N:-1000000}
RUNS=${RUNS:-3}
bin=${REDISFS_BIN:-$top/build/redisfs}
[ -x "$bin" ] || { echo "ghosts.sh: build first (meson setup build && ninja -C build)" >&2; exit 1; }

BENCH_NAME=ghosts.sh
. "$top/tests/bench/common.sh"
. "$top/tests/bench/ghost_common.sh"
bench_setup
# Hold the CPUs out of deep idle states while measuring: wake-up latency would otherwise weigh
# on every round trip, in redisfs and in the pipeline alike.
bench_hold_latency
mnt=$work/mnt

say "loading: $N users in MariaDB (every 10th missing), $N members in the zset queue"
start_redis
start_mariadb "$N"
rcli EVAL "
  local n = tonumber(ARGV[1])
  for at = 1, n, 1000 do
    local args = {}
    for i = at, math.min(at + 999, n) do args[#args + 1] = i; args[#args + 1] = i end
    redis.call('ZADD', KEYS[1], unpack(args))
  end
  return redis.call('ZCARD', KEYS[1])" 1 matching:queue "$N" >/dev/null

{
  mysql_ini
  cat <<INI

[ghosts.matching]
keys = matching:queue
table = users
column = id
INI
} >"$work/redisfs.ini"
mount_fs "$mnt" "$work/redisfs.log" "$bin" "redis://127.0.0.1:$rport" "$mnt" -f \
  -o "config=$work/redisfs.ini,cache_timeout=0,timeout=60"

expected=$((N / 10))
got=$(ls -f "$mnt/ghosts/matching/matching:queue" | grep -cv '^\.\.\?$')
[ "$got" -eq "$expected" ] || fail "wrong ghost count: $got, expected $expected"
pipeline() {
  comm -23 <(rcli ZRANGE matching:queue 0 -1 | sort) <(mysql_ids) | wc -l
}
got=$(pipeline)
[ "$got" -eq "$expected" ] || fail "pipeline found $got, expected $expected"

# --- listing ---------------------------------------------------------------------------
for _ in $(seq "$RUNS"); do
  measure_peak list_fs "$daemon" ls -f "$mnt/ghosts/matching/matching:queue"
  measure_peak list_sh "$daemon" pipeline
done

# --- rm -r: a mount with the default cache_timeout, as a user would have it --------------
mnt2=$work/mnt2
mount_fs "$mnt2" "$work/redisfs2.log" "$bin" "redis://127.0.0.1:$rport" "$mnt2" -f \
  -o "config=$work/redisfs.ini,timeout=60"
daemon2=$daemon
restore_ghosts() {
  rcli EVAL "
    local n = tonumber(ARGV[1])
    for at = 10, n, 10000 do
      local args = {}
      for i = at, math.min(at + 9990, n), 10 do args[#args + 1] = i; args[#args + 1] = i end
      redis.call('ZADD', KEYS[1], unpack(args))
    end
    return redis.call('ZCARD', KEYS[1])" 1 matching:queue "$N" >/dev/null
}
load_db1() {
  rcli -n 1 EVAL "
    for at = 1, tonumber(ARGV[1]), 1000 do
      local args = {}
      for i = at, math.min(at + 999, tonumber(ARGV[1])) do
        args[#args + 1] = 'key:' .. i; args[#args + 1] = '0123456789abcdef0123456789abcdef'
      end
      redis.call('MSET', unpack(args))
    end" 0 "$expected" >/dev/null
}
check_zcard() {
  local z
  z=$(rcli ZCARD matching:queue)
  [ "$z" -eq $((N - expected)) ] || fail "$1 left $z members, expected $((N - expected))"
}
pipeline_zrem() {
  comm -23 <(rcli ZRANGE matching:queue 0 -1 | sort) <(mysql_ids) |
    awk '{print "ZREM matching:queue " $1}' | rcli >/dev/null
}
for _ in $(seq "$RUNS"); do
  load_db1
  measure_peak rm_db "$daemon2" rm -r "$mnt2/db1"
  [ "$(rcli -n 1 DBSIZE)" = 0 ] || fail "rm -r db1 left keys"
  measure_peak rm_fs "$daemon2" rm -r "$mnt2/ghosts/matching"
  check_zcard "rm -r ghosts/matching"
  restore_ghosts
  measure_peak rm_sh "$daemon2" pipeline_zrem
  check_zcard "the pipeline into redis-cli ZREM"
  restore_ghosts
done

printf '\n%d-member zset, %d-row users table, %d ghosts; median of %d runs; /dev/cpu_dma_latency %s\n\n' \
  "$N" $((N - N / 10)) "$expected" "$RUNS" "$latency_held"
ghost_table_head
printf '| list the ghosts (`ls -f`) | %.2f s | %.2f s: `redis-cli ZRANGE \\| sort`, `mysql \\| sort`, `comm -23` | %s | %d MiB |\n' \
  "$(med list_fs)" "$(med list_sh)" "$(ratio "$(med list_fs)" "$(med list_sh)")" "${peaks[list_fs]}"
printf '| `rm -r ghosts/matching` (%d ghosts) | %.2f s | %.2f s: `rm -r` of a %d-key database folder | %s | %d MiB (rm -r db1: %d MiB) |\n' \
  "$expected" "$(med rm_fs)" "$(med rm_db)" "$expected" "$(ratio "$(med rm_fs)" "$(med rm_db)")" "${peaks[rm_fs]}" "${peaks[rm_db]}"
printf '| | | %.2f s: the pipeline into `redis-cli` ZREM, one a line | %s | |\n' \
  "$(med rm_sh)" "$(ratio "$(med rm_fs)" "$(med rm_sh)")"
