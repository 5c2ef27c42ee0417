#!/usr/bin/env bash
# Runs every test of Pulse: installs what the tests need, builds in Release, runs the suite and
# prints the totals alone on the last line ("N passed, N failed, N skipped").
set -uo pipefail
cd "$(dirname "$0")"

log() { printf '\n== %s\n' "$*" >&2; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
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

log "building (Release)"
dotnet build Pulse.slnx -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results" artifacts/screenshots
log "running tests"
dotnet test Pulse.slnx -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
  -- RunConfiguration.TestSessionTimeout=1500000
status=$?

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
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
echo
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
