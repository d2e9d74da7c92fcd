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
cd "$(dirname "$0")/../.."
top=$(pwd)
BENCH_NAME=tls.sh
. "$top/tests/bench/common.sh"
RUNS=${RUNS:-3}
SCALE=${SCALE:-1}
bin=${REDISFS_BIN:-${BUILD:-$top/build}/redisfs}
[ -x "$bin" ] || { echo "tls.sh: no $bin: build first" >&2; exit 1; }

scaled() { awk -v n="$1" -v s="$SCALE" 'BEGIN {v = int(n * s); print v < 1 ? 1 : v}'; }
N_LIST=$(scaled 1000000)
BIG_MIB=$(scaled 100)

bench_setup

# --- certificates, server, data -------------------------------------------------------
(cd "$work" && {
  ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext
  openssl req -x509 $ec -keyout ca.key -out ca.crt -days 2 -subj '/CN=bench CA'
  openssl req $ec -keyout server.key -out server.csr -subj '/CN=localhost'
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile san.ext -out server.crt
} >/dev/null 2>&1) || fail "openssl could not make the certificates"

tport=$(free_port)
start_redis --tls-port "$tport" --tls-cert-file "$work/server.crt" --tls-key-file "$work/server.key" \
  --tls-ca-cert-file "$work/ca.crt" --tls-auth-clients no
port=$rport
tcli() { redis-cli -h 127.0.0.1 -p "$tport" --tls --cacert "$work/ca.crt" "$@"; }
bench_hold_latency

say "loading $N_LIST keys in db0 and a $BIG_MIB MiB string in db2"
load_keys 0 "$N_LIST" 7
load_big 2 "$BIG_MIB"
[ "$(rcli DBSIZE)" = "$N_LIST" ] || fail "db0 holds $(rcli DBSIZE) keys"
big_md5=$(rcli -n 2 --raw -D '' GET big:0 | md5sum | awk '{print $1}')

mount_one() { # DIR URL [OPTIONS]
  mount_fs "$1" "$1.log" "$bin" "$2" "$1" -f -o "timeout=60${3:+,$3}"
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

echo "CPU wake-up latency: $latency_held"
echo
echo "| $RUNS runs, medians (s) | redisfs TCP | redisfs TLS | TLS / TCP | redis-cli | redis-cli --tls | redisfs TLS / redis-cli --tls |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
echo "| \`ls -f\` of $N_LIST keys | $(med ls_tcp) | $(med ls_tls) | $(ratio "$(med ls_tls)" "$(med ls_tcp)") | $(med ls_cli) | $(med ls_cli_tls) | $(ratio "$(med ls_tls)" "$(med ls_cli_tls)") |"
echo "| \`cat \| md5sum\` of $BIG_MIB MiB | $(med cat_tcp) | $(med cat_tls) | $(ratio "$(med cat_tls)" "$(med cat_tcp)") | $(med cat_cli) | $(med cat_cli_tls) | $(ratio "$(med cat_tls)" "$(med cat_cli_tls)") |"
