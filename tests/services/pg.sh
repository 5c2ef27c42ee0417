#!/usr/bin/env bash
# A throwaway PostgreSQL server on a loopback port, for the tests and the benchmarks.
#   pg.sh start DIR PORT   initialise DIR (if empty) and start a server on 127.0.0.1:PORT
#   pg.sh stop DIR         stop it fast (pg_ctl -m fast)
#   pg.sh kill DIR         stop it at once (-m immediate, like a crash)
#   pg.sh restart DIR PORT
# PostgreSQL refuses to run as root, so as root it runs as the Debian package's `postgres` user.
# The superuser is `pulse` with password `pulse`; connections are allowed only from loopback.
set -euo pipefail

bin=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && bin="$d"; done
[ -n "$bin" ] || bin="$(dirname "$(command -v pg_ctl)")"

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd="${1:?usage: pg.sh start|stop|kill|restart DIR [PORT]}"
dir="${2:?data directory}"
port="${3:-}"

start() {
  mkdir -p "$dir"
  # The server runs as `postgres`, which must be able to reach the folder (temporary folders are often private).
  if [ "$(id -u)" = 0 ]; then chmod a+x "$(dirname "$dir")"; chown postgres:postgres "$dir"; chmod 700 "$dir"; fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    local pw; pw="$(mktemp)"; echo pulse > "$pw"; chmod 644 "$pw"
    as_owner "$bin/initdb" -D "$dir" -U pulse --pwfile="$pw" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pw"
    cat >> "$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 256MB
synchronous_commit = on
fsync = on
max_wal_size = 2GB
log_min_messages = warning
CONF
  fi
  as_owner "$bin/pg_ctl" -D "$dir" -o "-p $port" -l "$dir/server.log" -w -t 60 start >/dev/null
}

case "$cmd" in
  start) start ;;
  stop) as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null ;;
  kill) as_owner "$bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null ;;
  restart) as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true; start ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
