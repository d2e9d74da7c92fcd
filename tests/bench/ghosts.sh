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
# Starts its own redis-server and mariadbd on loopback in a temporary directory and
# stops them (by PID) when it ends. Holds /dev/cpu_dma_latency at 0 while it measures. Needs a built tree (build/redisfs). The table is markdown.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
N=${N:-1000000}
RUNS=${RUNS:-3}
bin=${REDISFS_BIN:-$top/build/redisfs}
[ -x "$bin" ] || { echo "ghosts.sh: build first (meson setup build && ninja -C build)" >&2; exit 1; }

work=$(mktemp -d /tmp/redisfs-bench-XXXXXX)
pids=()
mnt=$work/mnt
cleanup() {
  if grep -qs " $mnt fuse" /proc/mounts; then fusermount3 -u "$mnt" || umount -l "$mnt"; fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Hold the CPUs out of deep idle states while measuring: wake-up latency would otherwise weigh
# on every round trip, in redisfs and in the pipeline alike (the helper every bench shares).
BENCH_NAME=ghosts.sh
. "$top/tests/bench/common.sh"
bench_hold_latency
dma_latency=$latency_held

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# Seconds as a decimal, from a command's wall time.
seconds() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --dir "$work" --save '' --appendonly no \
  --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
mkdir -p "$work/mysql" "$mnt"
mariadb-install-db --no-defaults --datadir="$work/mysql" --user=root \
  --auth-root-authentication-method=socket --skip-test-db >"$work/install.log" 2>&1
mport=$(free_port)
mariadbd --no-defaults --datadir="$work/mysql" --socket="$work/mysql.sock" --port="$mport" \
  --bind-address=127.0.0.1 --user=root --skip-log-bin --innodb-buffer-pool-size=256M \
  >"$work/mariadb.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
  mariadb --socket="$work/mysql.sock" -e 'SELECT 1' >/dev/null 2>&1 && break
  sleep 0.1
done
for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done

echo "loading: $N users in MariaDB (every 10th missing), $N members in the zset queue"
mysql_() { mariadb --socket="$work/mysql.sock" "$@"; }
mysql_ <<SQL
CREATE DATABASE app;
CREATE TABLE app.users (id BIGINT PRIMARY KEY);
USE app;
INSERT INTO users SELECT seq FROM seq_1_to_$N WHERE seq % 10 <> 0;
CREATE USER 'bench'@'127.0.0.1' IDENTIFIED BY 'bench';
GRANT SELECT ON app.* TO 'bench'@'127.0.0.1';
SQL
redis-cli -p "$rport" EVAL "
  local n = tonumber(ARGV[1])
  for at = 1, n, 1000 do
    local args = {}
    for i = at, math.min(at + 999, n) do args[#args + 1] = i; args[#args + 1] = i end
    redis.call('ZADD', KEYS[1], unpack(args))
  end
  return redis.call('ZCARD', KEYS[1])" 1 matching:queue "$N" >/dev/null

printf 'bench\n' >"$work/mysql.pass"
chmod 600 "$work/mysql.pass"
cat >"$work/redisfs.ini" <<INI
[mysql]
host = 127.0.0.1
port = $mport
user = bench
password_file = $work/mysql.pass
database = app

[ghosts.matching]
keys = matching:queue
table = users
column = id
INI
"$bin" "redis://127.0.0.1:$rport" "$mnt" -f -o "config=$work/redisfs.ini,cache_timeout=0,timeout=60" \
  >"$work/redisfs.log" 2>&1 &
daemon=$!
pids+=("$daemon")
for _ in $(seq 100); do grep -qs " $mnt fuse.redisfs" /proc/mounts && break; sleep 0.1; done

expected=$((N / 10))
got=$(ls -f "$mnt/ghosts/matching/matching:queue" | grep -cv '^\.\.\?$')
[ "$got" -eq "$expected" ] || { echo "wrong ghost count: $got, expected $expected" >&2; exit 1; }
pipeline() {
  comm -23 <(redis-cli -p "$rport" ZRANGE matching:queue 0 -1 | LC_ALL=C sort) \
    <(mysql_ -N -e 'SELECT id FROM app.users' | LC_ALL=C sort) | wc -l
}
got=$(pipeline)
[ "$got" -eq "$expected" ] || { echo "pipeline found $got, expected $expected" >&2; exit 1; }

# Peak RSS during one row: VmHWM after the peak was reset (clear_refs 5) before it.
reset_peak() { echo 5 >"/proc/$1/clear_refs"; }
peak_mib() { awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }
declare -A times peaks
measure() { # KEY PID COMMAND...: one run's seconds into times[KEY], the daemon's peak into peaks[KEY]
  local key=$1 pid=$2
  shift 2
  reset_peak "$pid"
  times[$key]+="$(seconds "$@") "
  peaks[$key]=$(peak_mib "$pid")
}
med() { printf '%s\n' ${times[$1]} | median; }

# --- listing ---------------------------------------------------------------------------
for _ in $(seq "$RUNS"); do
  measure list_fs "$daemon" ls -f "$mnt/ghosts/matching/matching:queue"
  measure list_sh "$daemon" pipeline
done

# --- rm -r: a mount with the default cache_timeout, as a user would have it --------------
mnt2=$work/mnt2
mkdir -p "$mnt2"
"$bin" "redis://127.0.0.1:$rport" "$mnt2" -f -o "config=$work/redisfs.ini,timeout=60" \
  >"$work/redisfs2.log" 2>&1 &
daemon2=$!
pids+=("$daemon2")
for _ in $(seq 100); do grep -qs " $mnt2 fuse.redisfs" /proc/mounts && break; sleep 0.1; done
restore_ghosts() {
  redis-cli -p "$rport" EVAL "
    local n = tonumber(ARGV[1])
    for at = 10, n, 10000 do
      local args = {}
      for i = at, math.min(at + 9990, n), 10 do args[#args + 1] = i; args[#args + 1] = i end
      redis.call('ZADD', KEYS[1], unpack(args))
    end
    return redis.call('ZCARD', KEYS[1])" 1 matching:queue "$N" >/dev/null
}
load_db1() {
  redis-cli -p "$rport" -n 1 EVAL "
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
  z=$(redis-cli -p "$rport" ZCARD matching:queue)
  [ "$z" -eq $((N - expected)) ] || { echo "$1 left $z members, expected $((N - expected))" >&2; exit 1; }
}
pipeline_zrem() {
  comm -23 <(redis-cli -p "$rport" ZRANGE matching:queue 0 -1 | LC_ALL=C sort) \
    <(mysql_ -N -e 'SELECT id FROM app.users' | LC_ALL=C sort) |
    awk '{print "ZREM matching:queue " $1}' | redis-cli -p "$rport" >/dev/null
}
for _ in $(seq "$RUNS"); do
  load_db1
  measure rm_db "$daemon2" rm -r "$mnt2/db1"
  [ "$(redis-cli -p "$rport" -n 1 DBSIZE)" = 0 ] || { echo "rm -r db1 left keys" >&2; exit 1; }
  measure rm_fs "$daemon2" rm -r "$mnt2/ghosts/matching"
  check_zcard "rm -r ghosts/matching"
  restore_ghosts
  measure rm_sh "$daemon2" pipeline_zrem
  check_zcard "the pipeline into redis-cli ZREM"
  restore_ghosts
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
printf '\n%d-member zset, %d-row users table, %d ghosts; median of %d runs; /dev/cpu_dma_latency %s\n\n' \
  "$N" $((N - N / 10)) "$expected" "$RUNS" "$dma_latency"
printf '| work | redisfs | baseline | redisfs / baseline | daemon peak RSS |\n'
printf '| --- | --- | --- | --- | --- |\n'
printf '| list the ghosts (`ls -f`) | %.2f s | %.2f s: `redis-cli ZRANGE \\| sort`, `mysql \\| sort`, `comm -23` | %s | %d MiB |\n' \
  "$(med list_fs)" "$(med list_sh)" "$(ratio "$(med list_fs)" "$(med list_sh)")" "${peaks[list_fs]}"
printf '| `rm -r ghosts/matching` (%d ghosts) | %.2f s | %.2f s: `rm -r` of a %d-key database folder | %s | %d MiB (rm -r db1: %d MiB) |\n' \
  "$expected" "$(med rm_fs)" "$(med rm_db)" "$expected" "$(ratio "$(med rm_fs)" "$(med rm_db)")" "${peaks[rm_fs]}" "${peaks[rm_db]}"
printf '| | | %.2f s: the pipeline into `redis-cli` ZREM, one a line | %s | |\n' \
  "$(med rm_sh)" "$(ratio "$(med rm_fs)" "$(med rm_sh)")"
