#!/usr/bin/env bash
# Runs every test of Pulse: installs what the tests need, builds in Release, runs the suite and
# prints the totals alone on the last line ("N passed, N failed, N skipped").
set -uo pipefail
cd "$(dirname "$0")"

log() { printf '\n== %s\n' "$*" >&2; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# Cluster mode runs on PostgreSQL and Redis; the tests start their own servers from these packages.
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]} (Debian packages)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    sudo apt-get update -qq >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi || { echo "could not install ${need_apt[*]}" >&2; exit 1; }
fi
export PULSE_CHROMIUM="${PULSE_CHROMIUM:-$(command -v chromium)}"

# The official Segment and RudderStack SDKs that the compatibility tests drive, pinned by the lock file.
if ! cmp -s tests/sdk/package-lock.json tests/sdk/node_modules/.pulse-installed-lock 2>/dev/null; then
  log "installing the SDKs under test (npm ci in tests/sdk)"
  (cd tests/sdk && npm ci --no-audit --no-fund --ignore-scripts >/dev/null && cp package-lock.json node_modules/.pulse-installed-lock) || { echo "npm ci failed in tests/sdk" >&2; echo "0 passed, 1 failed"; exit 1; }
fi

# Private servers on free loopback ports, whatever the Debian packages may have started on the default ones.
log "starting PostgreSQL and Redis on loopback ports (for cluster mode)"
services=$(mktemp -d /tmp/pulse-test-services.XXXXXX)
free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 40000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
pg_port=$(free_port)
redis_port=$(free_port)
stop_services() {
  tests/services/pg.sh kill "$services/pg" >/dev/null 2>&1 || true
  tests/services/redis.sh stop "$services/redis" >/dev/null 2>&1 || true
  rm -rf "$services"
}
trap stop_services EXIT
if [ "$(id -u)" = 0 ]; then chmod 755 "$services"; fi
tests/services/pg.sh start "$services/pg" "$pg_port" || { echo "PostgreSQL did not start" >&2; echo "0 passed, 1 failed"; exit 1; }
tests/services/redis.sh start "$services/redis" "$redis_port" || { echo "Redis did not start" >&2; echo "0 passed, 1 failed"; exit 1; }
export PULSE_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=pulse;Password=pulse;Database=postgres"
export PULSE_TEST_REDIS="127.0.0.1:$redis_port"

log "building (Release)"
dotnet build Pulse.slnx -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results" artifacts/screenshots
log "running tests (embedded mode, and the cluster tests)"
dotnet test Pulse.slnx -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results/embedded" \
  -- RunConfiguration.TestSessionTimeout=1500000
status=$?

# Every storage-level test of the Platform, Collect, Destinations and Influence modules again, each test server in
# cluster mode on a database of its own (tests of the embedded files alone carry Storage=embedded).
log "running the storage-level tests again in cluster mode (PostgreSQL + Redis)"
for project in tests/Pulse.Platform.Tests tests/Pulse.Collect.Tests tests/Pulse.Destinations.Tests tests/Pulse.Influence.Tests; do
  PULSE_TEST_STORAGE=postgres dotnet test "$project" -c Release --no-build -nologo --filter "Storage!=embedded" \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$results/cluster" \
    -- RunConfiguration.TestSessionTimeout=1500000 || status=1
done

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done
if [ "$files" = 0 ] && [ "$status" != 0 ]; then failed=$((failed + 1)); fi
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then failed=1; fi
# The names of failed tests and the start of their messages, next to the totals, so a CI log that
# keeps only its tail still says what failed.
if [ "$failed" != 0 ]; then
  echo
  echo "failed tests:"
  for trx in "$results"/*/*.trx; do
    [ -f "$trx" ] || continue
    awk '
      /<UnitTestResult / && /outcome="Failed"/ { n = $0; sub(/.*testName="/, "", n); sub(/".*/, "", n); print "  FAILED " n; want = 1; next }
      want && /<Message>/ { m = $0; sub(/.*<Message>/, "", m); lines = 0; inmsg = 1 }
      inmsg { l = (lines == 0 ? m : $0); if (l ~ /<\/Message>/) { sub(/<\/Message>.*/, "", l); inmsg = 0; want = 0 }
              if (lines < 6) print "    " substr(l, 1, 300); lines++ }
    ' "$trx"
  done
fi
echo
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
