#!/usr/bin/env bash
# ghosts.sh - benchmark: ls of ghosts/ for a big zset queue, beside the shell pipeline a user
# would otherwise write (redis-cli ZRANGE | sort, mysql SELECT | sort, comm -23).
#
#   tests/bench/ghosts.sh            1,000,000 members, 1,000,000-row table, 10% ghosts
#   N=100000 tests/bench/ghosts.sh   a smaller run
#
# Starts its own redis-server and mariadbd on loopback in a temporary directory and
# stops them (by PID) when it ends. Needs a built tree (build/redisfs).
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

fs_times=() sh_times=()
for _ in $(seq "$RUNS"); do
  fs_times+=("$(seconds ls -f "$mnt/ghosts/matching/matching:queue")")
  sh_times+=("$(seconds pipeline)")
done
fs=$(printf '%s\n' "${fs_times[@]}" | median)
sh=$(printf '%s\n' "${sh_times[@]}" | median)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$daemon/status")

printf '\nghosts of a %d-member zset, %d-row users table, %d ghosts (median of %d runs)\n' \
  "$N" $((N - N / 10)) "$expected" "$RUNS"
printf '%-52s %8.2f s\n' "ls -f ghosts/matching/matching:queue (redisfs)" "$fs"
printf '%-52s %8.2f s\n' "redis-cli ZRANGE | sort, mysql | sort, comm -23" "$sh"
printf '%-52s %8.2f x\n' "ratio (pipeline / redisfs; above 1: redisfs faster)" "$(awk -v a="$sh" -v b="$fs" 'BEGIN {print a / b}')"
printf '%-52s %8d MiB\n' "redisfs daemon peak RSS" $((rss / 1024))
printf '%-52s %s\n' "/dev/cpu_dma_latency" "$dma_latency"
