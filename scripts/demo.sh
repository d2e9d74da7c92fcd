#!/usr/bin/env bash
# demo.sh - build redisfs and mount a throwaway Redis (with MariaDB) holding the story's data.
#
#   scripts/demo.sh          build, start redis-server and mariadbd on loopback in
#                            /tmp/redisfs-demo, load sample data, mount it on
#                            /tmp/redisfs-demo/mnt
#   scripts/demo.sh stop     unmount every redisfs mount under /tmp/redisfs-demo (the
#                            tour's too) and stop what the demo started (by PID)
#
# Besides the plain redis-server, two TLS-only ones (certificates made with openssl in
# /tmp/redisfs-demo/tls: a CA, a server certificate for 127.0.0.1 and localhost, a client
# certificate): one on 16390, one on 16392 that wants a client certificate (TLS 1.2 only).
# And for Sentinel: a master on 16501, its replica on 16502, one sentinel on 26501 that
# monitors them as "mymaster".
#
# REDISFS_DEMO_DIR, REDISFS_DEMO_REDIS_PORT, REDISFS_DEMO_MYSQL_PORT, REDISFS_DEMO_TLS_PORT,
# REDISFS_DEMO_TLS_AUTH_PORT, REDISFS_DEMO_PRIMARY_PORT, REDISFS_DEMO_REPLICA_PORT and
# REDISFS_DEMO_SENTINEL_PORT move it (the README tour test runs a private demo so);
# REDISFS_DEMO_BIN runs that redisfs binary instead of building one (and installs nothing).
#
# The sample: a matchmaking app keeps its waiting queue in Redis (matching:queue)
# and its users in MariaDB (app.users). Users 3, 5 and 8 were deleted from
# MariaDB but are still queued (and user 3 still has a session key): the "ghosts" of the story.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
demo=${REDISFS_DEMO_DIR:-/tmp/redisfs-demo}
mnt=$demo/mnt

stop() {
  # every redisfs mount below the demo's folder: the demo's, and those the tour made (ro/)
  local dir
  awk -v d="$demo/" '$3 == "fuse.redisfs" && index($2, d) == 1 { print $2 }' /proc/mounts |
    sort -r | while read -r dir; do
      fusermount3 -u "$dir" 2>/dev/null || umount -l "$dir"
    done
  for name in redisfs redis redis-tls redis-tls-auth sentinel redis-replica redis-primary \
    mariadb; do
    local pidfile=$demo/$name.pid
    [ -s "$pidfile" ] || continue
    local pid
    pid=$(cat "$pidfile")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

if [ "${1:-}" = stop ]; then
  stop
  echo "demo stopped; $demo may be removed"
  exit 0
fi

# Packages and build (as root on Debian 12; a no-op when everything is there).
bin=${REDISFS_DEMO_BIN:-}
if [ -z "$bin" ]; then
  missing=()
  while read -r pkg; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$pkg")
  done <.ci/packages
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  fi
  [ -f build/build.ninja ] || meson setup build >/dev/null
  ninja -C build redisfs >/dev/null
  bin=$top/build/redisfs
fi

stop
mkdir -p "$demo" "$mnt" "$demo/bin"
# the tour runs `redisfs` after `export PATH=$PWD/bin:$PATH` in this folder
ln -sfn "$bin" "$demo/bin/redisfs"
redis_port=${REDISFS_DEMO_REDIS_PORT:-16379}
mysql_port=${REDISFS_DEMO_MYSQL_PORT:-13306}
tls_port=${REDISFS_DEMO_TLS_PORT:-16390}
tls_auth_port=${REDISFS_DEMO_TLS_AUTH_PORT:-16392}
primary_port=${REDISFS_DEMO_PRIMARY_PORT:-16501}
replica_port=${REDISFS_DEMO_REPLICA_PORT:-16502}
sentinel_port=${REDISFS_DEMO_SENTINEL_PORT:-26501}

# A throwaway redis-server on loopback, no persistence.
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$demo" --save '' --appendonly no \
  --daemonize yes --pidfile "$demo/redis.pid" --logfile "$demo/redis.log"
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

# Certificates for the TLS servers: a CA, a server certificate for 127.0.0.1 and localhost,
# a client certificate; short-lived, made again at every start.
tls=$demo/tls
mkdir -p "$tls"
(cd "$tls" && {
  ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >server.ext
  printf 'extendedKeyUsage=clientAuth\n' >client.ext
  openssl req -x509 $ec -keyout ca.key -out ca.crt -days 30 -subj '/CN=redisfs demo CA'
  openssl req $ec -keyout server.key -out server.csr -subj '/CN=localhost'
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
    -extfile server.ext -out server.crt
  openssl req $ec -keyout client.key -out client.csr -subj '/CN=redisfs demo client'
  openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
    -extfile client.ext -out client.crt
  chmod 600 ca.key server.key client.key
} >"$demo/openssl.log" 2>&1) || { cat "$demo/openssl.log" >&2; exit 1; }

# Two TLS-only redis-servers (--port 0). The second wants a client certificate and speaks
# TLS 1.2 only: its refusal then comes within the handshake, where with TLS 1.3 it comes after
# it, before or after redisfs's first read, and the README's line would vary with the race.
for server in "redis-tls $tls_port no TLSv1.2 TLSv1.3" \
  "redis-tls-auth $tls_auth_port yes TLSv1.2"; do
  read -r name port clients protocols <<<"$server"
  redis-server --port 0 --tls-port "$port" --bind 127.0.0.1 --dir "$demo" --save '' \
    --appendonly no --tls-cert-file "$tls/server.crt" --tls-key-file "$tls/server.key" \
    --tls-ca-cert-file "$tls/ca.crt" --tls-auth-clients "$clients" \
    --tls-protocols "$protocols" \
    --daemonize yes --pidfile "$demo/$name.pid" --logfile "$demo/$name.log"
done
for _ in $(seq 50); do
  redis-cli --tls --cacert "$tls/ca.crt" -p "$tls_port" ping >/dev/null 2>&1 && break
  sleep 0.1
done

# A master, its replica and one sentinel (quorum 1) that watches them as "mymaster".
for server in "redis-primary $primary_port" "redis-replica $replica_port"; do
  read -r name port <<<"$server"
  extra=()
  [ "$name" = redis-replica ] && extra=(--replicaof 127.0.0.1 "$primary_port")
  redis-server --port "$port" --bind 127.0.0.1 --dir "$demo" --save '' --appendonly no \
    --dbfilename "$name.rdb" "${extra[@]}" \
    --daemonize yes --pidfile "$demo/$name.pid" --logfile "$demo/$name.log"
done
for _ in $(seq 100); do
  redis-cli -p "$replica_port" info replication 2>/dev/null | grep -q 'master_link_status:up' &&
    break
  sleep 0.1
done
cat >"$demo/sentinel.conf" <<CONF
port $sentinel_port
bind 127.0.0.1
dir $demo
sentinel monitor mymaster 127.0.0.1 $primary_port 1
sentinel down-after-milliseconds mymaster 5000
sentinel failover-timeout mymaster 10000
CONF
redis-server "$demo/sentinel.conf" --sentinel --daemonize yes --pidfile "$demo/sentinel.pid" \
  --logfile "$demo/sentinel.log"
# a failover needs the sentinel to know the replica
for _ in $(seq 100); do
  [ "$(redis-cli -p "$sentinel_port" sentinel replicas mymaster 2>/dev/null | wc -l)" -gt 1 ] &&
    break
  sleep 0.1
done

# A throwaway mariadbd on loopback, its data in $demo/mysql.
if [ ! -d "$demo/mysql/mysql" ]; then
  mariadb-install-db --no-defaults --datadir="$demo/mysql" --user=root \
    --auth-root-authentication-method=socket --skip-test-db >"$demo/mariadb-install.log" 2>&1
fi
mariadbd --no-defaults --datadir="$demo/mysql" --socket="$demo/mysql.sock" \
  --port="$mysql_port" --bind-address=127.0.0.1 --user=root --skip-log-bin \
  --pid-file="$demo/mariadbd.pid" >"$demo/mariadb.log" 2>&1 &
echo $! >"$demo/mariadb.pid"
for _ in $(seq 100); do
  mariadb --socket="$demo/mysql.sock" -e 'SELECT 1' >/dev/null 2>&1 && break
  sleep 0.1
done

# The story's data: users 1..10 signed up, 3, 5 and 8 were deleted from MariaDB.
mariadb --socket="$demo/mysql.sock" <<'SQL'
CREATE DATABASE IF NOT EXISTS app;
CREATE TABLE IF NOT EXISTS app.users (id BIGINT PRIMARY KEY, name VARCHAR(64));
DELETE FROM app.users;
INSERT INTO app.users VALUES (1,'mina'),(2,'joon'),(4,'hana'),(6,'seo'),(7,'yuna'),
  (9,'min'),(10,'jae');
CREATE USER IF NOT EXISTS 'app'@'127.0.0.1' IDENTIFIED BY 'demo-password';
GRANT SELECT ON app.* TO 'app'@'127.0.0.1';
SQL
printf 'demo-password\n' >"$demo/mysql.pass"
chmod 600 "$demo/mysql.pass"

r() { redis-cli -p "$redis_port" "$@" >/dev/null; }
r FLUSHALL
r RPUSH matching:queue 1 3 4 5 8 9
r ZADD matching:waiting 1732500001 2 1732500002 5 1732500003 10
r HSET user:1 name mina city Seoul
r HSET user:2 name joon city Busan
r SET session:1 'token-aaa' EX 3600
r SET session:2 'token-bbb' EX 3600
r SET session:3 'token-ccc' EX 3600
r SET greeting 'hello from redis'
r SADD online 1 2 4
r XADD events '*' type match a 1 b 2
r -n 1 SET cache:home '<html>...</html>'
r -n 1 SET cache:about '<html>about</html>'

# The ghost rules: queue members, and session keys, whose users are gone from app.users.
cat >"$demo/redisfs.ini" <<INI
[redis]
url = redis://127.0.0.1:$redis_port
databases = 4

[mysql]
host = 127.0.0.1
port = $mysql_port
user = app
password_file = $demo/mysql.pass
database = app

[ghosts.matching]
db = 0
keys = matching:*      ; the queue keys: matching:queue (a list), matching:waiting (a zset)
table = users
column = id

[ghosts.sessions]
kind = keys            ; the ID is in the key's own name: session:3 is user 3's session
keys = session:*
id = ^session:([0-9]+)$
table = users
column = id
INI

# Mount: -f keeps the daemon's PID ours to stop, its log in $demo/redisfs.log.
setsid "$bin" "$mnt" -f -o "config=$demo/redisfs.ini" \
  </dev/null >"$demo/redisfs.log" 2>&1 &
echo $! >"$demo/redisfs.pid"
for _ in $(seq 100); do grep -qs " $mnt fuse.redisfs" /proc/mounts && break; sleep 0.1; done
grep -qs " $mnt fuse.redisfs" /proc/mounts || { cat "$demo/redisfs.log" >&2; exit 1; }

cat <<INFO
redisfs demo mounted on $mnt (Redis on 127.0.0.1:$redis_port, MariaDB on 127.0.0.1:$mysql_port)
TLS-only Redis on 127.0.0.1:$tls_port, and 127.0.0.1:$tls_auth_port with client certificates
  (CA $tls/ca.crt)
a sentinel on 127.0.0.1:$sentinel_port watches mymaster (127.0.0.1:$primary_port, its replica
  127.0.0.1:$replica_port)
the README's tour starts with:
  cd $demo
  export PATH=\$PWD/bin:\$PATH
stop it with: scripts/demo.sh stop
INFO
