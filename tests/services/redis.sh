#!/usr/bin/env bash
# A throwaway Redis server on a loopback port, for the tests and the benchmarks.
#   redis.sh start DIR PORT [--persist]   start (append-only file on with --persist)
#   redis.sh stop DIR                     shut it down
#   redis.sh restart DIR PORT [--persist]
set -euo pipefail
cmd="${1:?usage: redis.sh start|stop|restart DIR [PORT]}"
dir="${2:?data directory}"
port="${3:-}"
persist="${4:-}"

start() {
  mkdir -p "$dir"
  local aof=no
  [ "$persist" = "--persist" ] && aof=yes
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --daemonize yes --pidfile "$dir/redis.pid" \
    --logfile "$dir/redis.log" --save "" --appendonly "$aof" --protected-mode yes
  echo "$port" > "$dir/port"
  for _ in $(seq 1 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "redis did not start on port $port" >&2; exit 1
}

stop() {
  [ -f "$dir/port" ] || return 0
  redis-cli -p "$(cat "$dir/port")" shutdown nosave >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null || return 0
    sleep 0.05
  done
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
