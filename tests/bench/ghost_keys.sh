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
# (by PID) when it ends. Needs a built tree (build/redisfs). The table is markdown, on stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
N=${N:-1000000}
RUNS=${RUNS:-3}
RM_RUNS=${RM_RUNS:-1} # rm -r rows: minutes each at 1,000,000 keys
bin=${REDISFS_BIN:-$top/build/redisfs}
[ -x "$bin" ] || { echo "ghost_keys.sh: build first (meson setup build && ninja -C build)" >&2; exit 1; }

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
  # never rm -r through a mount that is still there: it would delete keys
  if ! grep -qs " $work/" /proc/mounts; then rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

# Hold the CPUs out of deep idle states while measuring (as long as fd 3 stays open): wake-up
# latency would otherwise weigh on every round trip, in redisfs and in the pipeline alike.
dma_latency=no
if exec 3>/dev/cpu_dma_latency 2>/dev/null; then
  printf '\x00\x00\x00\x00' >&3 && dma_latency="held at 0 us"
fi

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

echo "loading: $N users in MariaDB (every 10th missing), $N session:N keys in Redis" >&2
mysql_() { mariadb --socket="$work/mysql.sock" "$@"; }
mysql_ <<SQL
CREATE DATABASE app;
CREATE TABLE app.users (id BIGINT PRIMARY KEY);
USE app;
INSERT INTO users SELECT seq FROM seq_1_to_$N WHERE seq % 10 <> 0;
CREATE USER 'bench'@'127.0.0.1' IDENTIFIED BY 'bench';
GRANT SELECT ON app.* TO 'bench'@'127.0.0.1';
SQL
# session:1 .. session:N (a 32-byte token each); FIRST and LAST pick a range, for restoring
load_sessions() { # DB FIRST LAST STEP
  redis-cli -p "$rport" -n "$1" EVAL "
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

printf 'bench\n' >"$work/mysql.pass"
chmod 600 "$work/mysql.pass"
cat >"$work/redisfs.ini" <<INI
[mysql]
host = 127.0.0.1
port = $mport
user = bench
password_file = $work/mysql.pass
database = app

[ghosts.sessions]
kind = keys
keys = session:*
id = ^session:([0-9]+)$
table = users
column = id
INI
"$bin" "redis://127.0.0.1:$rport" "$mnt" -f -o "config=$work/redisfs.ini,timeout=60" \
  >"$work/redisfs.log" 2>&1 &
daemon=$!
pids+=("$daemon")
for _ in $(seq 100); do grep -qs " $mnt fuse.redisfs" /proc/mounts && break; sleep 0.1; done

expected=$((N / 10))
list_fs() { ls -f "$mnt/ghosts/sessions" | grep -cv '^\.\.\?$'; }
pipeline() {
  comm -23 \
    <(redis-cli -p "$rport" --scan --pattern 'session:*' |
      sed -n 's/^session:\([0-9][0-9]*\)$/\1/p' | LC_ALL=C sort) \
    <(mysql_ -N -e 'SELECT id FROM app.users' | LC_ALL=C sort) | wc -l
}
got=$(list_fs)
[ "$got" -eq "$expected" ] || { echo "redisfs lists $got ghost keys, expected $expected" >&2; exit 1; }
got=$(pipeline)
[ "$got" -eq "$expected" ] || { echo "pipeline found $got, expected $expected" >&2; exit 1; }

# Peak RSS during one row: VmHWM after the peak was reset (clear_refs 5) before it.
reset_peak() { echo 5 >"/proc/$1/clear_refs"; }
peak_mib() { awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }
declare -A times peaks
measure() { # KEY COMMAND...: one run's seconds into times[KEY], the daemon's peak into peaks[KEY]
  local key=$1
  shift
  reset_peak "$daemon"
  times[$key]+="$(seconds "$@") "
  peaks[$key]=$(peak_mib "$daemon")
}
med() { printf '%s\n' ${times[$1]} | median; }

# The listings wait out the default cache_timeout of 1 s: each one is a new detection.
for _ in $(seq "$RUNS"); do
  sleep 1.1
  measure list_fs list_fs
  measure list_sh pipeline
done

# rm -r of the ghost keys beside rm -r of a database folder of as many keys
for _ in $(seq "$RM_RUNS"); do
  load_sessions 1 1 "$expected" 1
  measure rm_db rm -r "$mnt/db1"
  [ "$(redis-cli -p "$rport" -n 1 DBSIZE)" = 0 ] || { echo "rm -r db1 left keys" >&2; exit 1; }
  sleep 1.1
  measure rm_fs rm -r "$mnt/ghosts/sessions"
  left=$(redis-cli -p "$rport" DBSIZE)
  [ "$left" -eq $((N - expected)) ] || { echo "rm -r ghosts left $left keys" >&2; exit 1; }
  load_sessions 0 10 "$N" 10
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
printf '\n%d session:N keys, %d-row users table, %d orphans; median of %d runs (rm -r: %d); /dev/cpu_dma_latency %s; load %s\n\n' \
  "$N" $((N - N / 10)) "$expected" "$RUNS" "$RM_RUNS" "$dma_latency" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| work | redisfs | baseline | redisfs / baseline | daemon peak RSS |\n'
printf '| --- | --- | --- | --- | --- |\n'
printf '| ghost keys over %d keys with 10%% orphans (`ls -f ghosts/sessions \\| wc -l`) | %.2f s | %.2f s: `redis-cli --scan --pattern \\| sed \\| sort`, `mysql \\| sort`, `comm -23` | %s | %d MiB |\n' \
  "$N" "$(med list_fs)" "$(med list_sh)" "$(ratio "$(med list_fs)" "$(med list_sh)")" "${peaks[list_fs]}"
printf '| `rm -r ghosts/sessions` (%d ghost keys) | %.2f s | %.2f s: `rm -r` of a %d-key database folder | %s | %d MiB (rm -r db1: %d MiB) |\n' \
  "$expected" "$(med rm_fs)" "$(med rm_db)" "$expected" "$(ratio "$(med rm_fs)" "$(med rm_db)")" "${peaks[rm_fs]}" "${peaks[rm_db]}"
