# shellcheck shell=bash
# ghost_common.sh - what the ghost benches (ghosts.sh, ghost_keys.sh) share on top of common.sh:
# a private mariadbd with the users table, the [mysql] section of redisfs.ini, and rows that
# record the daemon's peak RSS. Sourced after common.sh, once bench_setup has made $work.

mysql_() { mariadb --socket="$work/mysql.sock" "$@"; }

# start_mariadb N: a mariadbd on loopback in $work (its port in $mport) whose app.users holds
# the ids 1..N but every 10th, and the user bench that may only SELECT (no temporary tables:
# redisfs must do with what a read-only reporting user has).
start_mariadb() {
  mkdir -p "$work/mysql"
  mariadb-install-db --no-defaults --datadir="$work/mysql" --user=root \
    --auth-root-authentication-method=socket --skip-test-db >"$work/install.log" 2>&1 ||
    fail "mariadb-install-db: $(tail -n 3 "$work/install.log")"
  mport=$(free_port)
  mariadbd --no-defaults --datadir="$work/mysql" --socket="$work/mysql.sock" --port="$mport" \
    --bind-address=127.0.0.1 --user=root --skip-log-bin --innodb-buffer-pool-size=256M \
    >"$work/mariadb.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 200); do mysql_ -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done
  mysql_ -e 'SELECT 1' >/dev/null 2>&1 || fail "mariadbd did not start: $(tail -n 3 "$work/mariadb.log")"
  mysql_ <<SQL
CREATE DATABASE app;
CREATE TABLE app.users (id BIGINT PRIMARY KEY);
USE app;
INSERT INTO users SELECT seq FROM seq_1_to_$1 WHERE seq % 10 <> 0;
CREATE USER 'bench'@'127.0.0.1' IDENTIFIED BY 'bench';
GRANT SELECT ON app.* TO 'bench'@'127.0.0.1';
SQL
  printf 'bench\n' >"$work/mysql.pass"
  chmod 600 "$work/mysql.pass"
}

# mysql_ini: the [mysql] section of redisfs.ini, for the user bench.
mysql_ini() {
  cat <<INI
[mysql]
host = 127.0.0.1
port = $mport
user = bench
password_file = $work/mysql.pass
database = app
INI
}

# mysql_ids: the ids of app.users, sorted as comm wants them (the pipeline's MySQL side).
mysql_ids() { mysql_ -N -e 'SELECT id FROM app.users' | sort; }

# measure_peak KEY PID CMD...: measure (common.sh) with PID's peak RSS during the run in
# peaks[KEY], in MiB: VmHWM after the peak was reset (clear_refs 5) before it.
declare -A peaks
measure_peak() {
  local key=$1 pid=$2
  shift 2
  echo 5 >"/proc/$pid/clear_refs"
  measure "$key" "$@"
  peaks[$key]=$(($(peak_rss_kib "$pid") / 1024))
}

# ghost_table_head: the header of the markdown table both ghost benches print.
ghost_table_head() {
  printf '| work | redisfs | baseline | redisfs / baseline | daemon peak RSS |\n'
  printf '| --- | --- | --- | --- | --- |\n'
}
