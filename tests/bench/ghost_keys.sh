#!/usr/bin/env bash
# ghost_keys.sh - benchmark: a kind = keys ghost rule (SPEC 6) over many keys, beside the shell
# pipeline a user would otherwise run, both measured in the same run, with the daemon's peak RSS:
#   ls -f ghosts/sessions | wc -l   vs  redis-cli --scan --pattern 'session:*' | sed | sort,
#                                       mysql | sort, comm -23 | wc -l
#   rm -r ghosts/sessions           vs  rm -r of a database folder of as many keys
#
#   tests/bench/ghost_keys.sh                 1,000,000 session:N keys, 10% of them orphans
#   N=100000 RUNS=1 tests/bench/ghost_keys.sh   a smaller run
#
# Starts its own redis-server and mariadbd on loopback in a temporary directory and stops them
# (by PID) when it ends (tests/bench/common.sh, ghost_common.sh). Holds /dev/cpu_dma_latency at
# 0 while it measures. Needs a built tree (build/redisfs). The table is markdown, on stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
N=${N:-1000000}
RUNS=${RUNS:-3}
RM_RUNS=${RM_RUNS:-1} # rm -r rows: minutes each at 1,000,000 keys
bin=${REDISFS_BIN:-$top/build/redisfs}
[ -x "$bin" ] || { echo "ghost_keys.sh: build first (meson setup build && ninja -C build)" >&2; exit 1; }

BENCH_NAME=ghost_keys.sh
. "$top/tests/bench/common.sh"
. "$top/tests/bench/ghost_common.sh"
bench_setup
# Hold the CPUs out of deep idle states while measuring: wake-up latency would otherwise weigh
# on every round trip, in redisfs and in the pipeline alike.
bench_hold_latency
mnt=$work/mnt

say "loading: $N users in MariaDB (every 10th missing), $N session:N keys in Redis"
start_redis
start_mariadb "$N"
# session:1 .. session:N (a 32-byte token each); FIRST and LAST pick a range, for restoring
load_sessions() { # DB FIRST LAST STEP
  rcli -n "$1" EVAL "
    local first, last, step = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
    for at = first, last, 1000 * step do
      local args = {}
      for i = at, math.min(at + 999 * step, last), step do
        args[#args + 1] = 'session:' .. i; args[#args + 1] = '0123456789abcdef0123456789abcdef'
      end
      redis.call('MSET', unpack(args))
    end
    return redis.call('DBSIZE')" 0 "$2" "$3" "$4" >/dev/null
}
load_sessions 0 1 "$N" 1

{
  mysql_ini
  cat <<INI

[ghosts.sessions]
kind = keys
keys = session:*
id = ^session:([0-9]+)$
table = users
column = id
INI
} >"$work/redisfs.ini"
mount_fs "$mnt" "$work/redisfs.log" "$bin" "redis://127.0.0.1:$rport" "$mnt" -f \
  -o "config=$work/redisfs.ini,timeout=60"

expected=$((N / 10))
list_fs() { ls -f "$mnt/ghosts/sessions" | grep -cv '^\.\.\?$'; }
pipeline() {
  comm -23 \
    <(rcli --scan --pattern 'session:*' |
      sed -n 's/^session:\([0-9][0-9]*\)$/\1/p' | sort) <(mysql_ids) | wc -l
}
got=$(list_fs)
[ "$got" -eq "$expected" ] || fail "redisfs lists $got ghost keys, expected $expected"
got=$(pipeline)
[ "$got" -eq "$expected" ] || fail "pipeline found $got, expected $expected"

# The listings wait out the default cache_timeout of 1 s: each one is a new detection.
for _ in $(seq "$RUNS"); do
  sleep 1.1
  measure_peak list_fs "$daemon" list_fs
  measure_peak list_sh "$daemon" pipeline
done

# rm -r of the ghost keys beside rm -r of a database folder of as many keys
for _ in $(seq "$RM_RUNS"); do
  load_sessions 1 1 "$expected" 1
  measure_peak rm_db "$daemon" rm -r "$mnt/db1"
  [ "$(rcli -n 1 DBSIZE)" = 0 ] || fail "rm -r db1 left keys"
  sleep 1.1
  measure_peak rm_fs "$daemon" rm -r "$mnt/ghosts/sessions"
  left=$(rcli DBSIZE)
  [ "$left" -eq $((N - expected)) ] || fail "rm -r ghosts left $left keys"
  load_sessions 0 10 "$N" 10
done

printf '\n%d session:N keys, %d-row users table, %d orphans; median of %d runs (rm -r: %d); /dev/cpu_dma_latency %s; load %s\n\n' \
  "$N" $((N - N / 10)) "$expected" "$RUNS" "$RM_RUNS" "$latency_held" "$(cut -d' ' -f1-3 /proc/loadavg)"
ghost_table_head
printf '| ghost keys over %d keys with 10%% orphans (`ls -f ghosts/sessions \\| wc -l`) | %.2f s | %.2f s: `redis-cli --scan --pattern \\| sed \\| sort`, `mysql \\| sort`, `comm -23` | %s | %d MiB |\n' \
  "$N" "$(med list_fs)" "$(med list_sh)" "$(ratio "$(med list_fs)" "$(med list_sh)")" "${peaks[list_fs]}"
printf '| `rm -r ghosts/sessions` (%d ghost keys) | %.2f s | %.2f s: `rm -r` of a %d-key database folder | %s | %d MiB (rm -r db1: %d MiB) |\n' \
  "$expected" "$(med rm_fs)" "$(med rm_db)" "$expected" "$(ratio "$(med rm_fs)" "$(med rm_db)")" "${peaks[rm_fs]}" "${peaks[rm_db]}"
