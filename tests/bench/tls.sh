#!/usr/bin/env bash
# tls.sh - benchmark (issue 18): ls -f of 1,000,000 keys and cat | md5sum of a 100 MiB string
# through redisfs over plain TCP and over TLS, beside redis-cli and redis-cli --tls, against
# one redis-server that listens on both, in the same run; medians of RUNS runs.
#
#   tests/bench/tls.sh                     1,000,000 keys, a 100 MiB string, 3 runs
#   SCALE=0.1 RUNS=1 tests/bench/tls.sh    a quick run
#
# Makes its certificates with openssl, starts its own redis-server on loopback in a
# temporary directory, mounts build/redisfs twice, and stops all of it when it ends (also on
# failure or Ctrl-C). The table (markdown) goes to stdout, progress to stderr. A wrong answer
# (a count or an md5 that differs) stops it with status 1.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
top=$(pwd)
RUNS=${RUNS:-3}
SCALE=${SCALE:-1}
bin=${REDISFS_BIN:-${BUILD:-$top/build}/redisfs}
[ -x "$bin" ] || { echo "tls.sh: no $bin: build first" >&2; exit 1; }

scaled() { awk -v n="$1" -v s="$SCALE" 'BEGIN {v = int(n * s); print v < 1 ? 1 : v}'; }
N_LIST=$(scaled 1000000)
BIG_MIB=$(scaled 100)

work=$(mktemp -d /tmp/redisfs-tlsbench-XXXXXX)
pids=()
mounts=()
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
  if ! grep -qs " $work/" /proc/mounts; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
fail() { printf 'tls.sh: FAILED: %s\n' "$*" >&2; exit 1; }
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
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
expect() {
  local got
  got=$(awk '{print $1}' "$work/out")
  [ "$got" = "$2" ] || fail "$1: got '$got', expected '$2'"
}

# --- certificates, server, data -------------------------------------------------------
(cd "$work" && {
  ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext
  openssl req -x509 $ec -keyout ca.key -out ca.crt -days 2 -subj '/CN=bench CA'
  openssl req $ec -keyout server.key -out server.csr -subj '/CN=localhost'
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile san.ext -out server.crt
} >/dev/null 2>&1) || fail "openssl could not make the certificates"

port=$(free_port)
tport=$(free_port)
redis-server --port "$port" --tls-port "$tport" --bind 127.0.0.1 --dir "$work" --save '' \
  --appendonly no --tls-cert-file "$work/server.crt" --tls-key-file "$work/server.key" \
  --tls-ca-cert-file "$work/ca.crt" --tls-auth-clients no --daemonize no >"$work/redis.log" 2>&1 &
pids+=("$!")
rcli() { redis-cli -h 127.0.0.1 -p "$port" "$@"; }
tcli() { redis-cli -h 127.0.0.1 -p "$tport" --tls --cacert "$work/ca.crt" "$@"; }
for _ in $(seq 100); do rcli ping >/dev/null 2>&1 && break; sleep 0.1; done
rcli ping >/dev/null 2>&1 || fail "redis-server did not start: $(tail -n 3 "$work/redis.log")"

say "loading $N_LIST keys in db0 and a $BIG_MIB MiB string in db2"
for ((at = 0; at < N_LIST; at += 100000)); do
  rcli EVAL "
    for at = tonumber(ARGV[1]), tonumber(ARGV[2]), 1000 do
      local args = {}
      for i = at, math.min(at + 999, tonumber(ARGV[2])) do
        args[#args + 1] = 'key:' .. i
        args[#args + 1] = '0000000'
      end
      redis.call('MSET', unpack(args))
    end
    return 0" 0 "$at" "$((at + 99999 < N_LIST - 1 ? at + 99999 : N_LIST - 1))" >/dev/null
done
rcli -n 2 EVAL "
  local mib = tonumber(ARGV[1])
  redis.call('SETRANGE', KEYS[1], mib * 1048576 - 1, '\n')
  for i = 0, mib - 1 do
    redis.call('SETRANGE', KEYS[1], i * 1048576, string.rep(string.format('%07d\n', i), 131072))
  end
  return 0" 1 big:0 "$BIG_MIB" >/dev/null
[ "$(rcli DBSIZE)" = "$N_LIST" ] || fail "db0 holds $(rcli DBSIZE) keys"
big_md5=$(rcli -n 2 --raw -D '' GET big:0 | md5sum | awk '{print $1}')

mount_one() { # DIR URL [OPTIONS]
  mkdir -p "$1"
  "$bin" "$2" "$1" -f -o "timeout=60${3:+,$3}" >"$1.log" 2>&1 &
  pids+=("$!")
  mounts+=("$1")
  for _ in $(seq 600); do grep -qs " $1 fuse" /proc/mounts && return 0; sleep 0.05; done
  fail "cannot mount $1: $(tail -n 3 "$1.log")"
}
mount_one "$work/tcp" "redis://127.0.0.1:$port"
mount_one "$work/tls" "rediss://127.0.0.1:$tport" "tls_ca=$work/ca.crt"

list_count() { ls -f "$1" | wc -l; }
cat_md5() { cat "$1" | md5sum; }
settle() { sleep 1.1; } # past cache_timeout: nothing left in the kernel's caches

for ((run = 1; run <= RUNS; run++)); do
  say "run $run of $RUNS"
  for t in tcp tls; do
    settle
    measure "ls_$t" list_count "$work/$t/db0"
    expect "ls -f over $t" "$((N_LIST + 2))"
    settle
    measure "cat_$t" cat_md5 "$work/$t/db2/big:0"
    expect "md5 over $t" "$big_md5"
  done
  measure ls_cli bash -c "redis-cli -h 127.0.0.1 -p $port --scan | wc -l"
  expect "redis-cli --scan" "$N_LIST"
  measure ls_cli_tls bash -c "redis-cli -h 127.0.0.1 -p $tport --tls --cacert $work/ca.crt --scan | wc -l"
  expect "redis-cli --tls --scan" "$N_LIST"
  measure cat_cli bash -c "redis-cli -h 127.0.0.1 -p $port -n 2 --raw -D '' GET big:0 | md5sum"
  expect "redis-cli GET" "$big_md5"
  measure cat_cli_tls bash -c "redis-cli -h 127.0.0.1 -p $tport --tls --cacert $work/ca.crt -n 2 --raw -D '' GET big:0 | md5sum"
  expect "redis-cli --tls GET" "$big_md5"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "| $RUNS runs, medians (s) | redisfs TCP | redisfs TLS | TLS / TCP | redis-cli | redis-cli --tls | redisfs TLS / redis-cli --tls |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
echo "| \`ls -f\` of $N_LIST keys | $(med ls_tcp) | $(med ls_tls) | $(ratio "$(med ls_tls)" "$(med ls_tcp)") | $(med ls_cli) | $(med ls_cli_tls) | $(ratio "$(med ls_tls)" "$(med ls_cli_tls)") |"
echo "| \`cat \| md5sum\` of $BIG_MIB MiB | $(med cat_tcp) | $(med cat_tls) | $(ratio "$(med cat_tls)" "$(med cat_tcp)") | $(med cat_cli) | $(med cat_cli_tls) | $(ratio "$(med cat_tls)" "$(med cat_cli_tls)") |"
