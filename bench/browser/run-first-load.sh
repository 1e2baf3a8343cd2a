#!/usr/bin/env bash
# First-load benchmark: `bash bench/browser/run-first-load.sh` (from anywhere). Not a test.
#
# 1. installs what is missing, each saying what it installs: chromium (apt-get,
#    scripts/lib.sh), the npm packages pinned in bench/browser/package-lock.json (MQTT.js's
#    browser bundle for the peer page, ws for the DevTools connection); for the app
#    build: the wasm target, wasm-bindgen-cli and trunk (scripts/lib.sh);
# 2. builds the app (`trunk build --release` -> dist/; BENCH_SKIP_APP_BUILD=1 reuses dist/);
# 3. runs bench/browser/first-load.js: navigation to a usable Connect button on a throttled
#    network (1.6 Mbit/s down, 750 kbit/s up, 150 ms RTT) with a 4x CPU slowdown, cold and
#    warm, the app against MQTT.js's browser bundle with a minimal form, RUNS runs each
#    (default 5);
# 4. prints the markdown table (also in target/webmqtt-bench/first-load/table.md).
# A few minutes. Environment: RUNS, PAGES, DOWN_KBPS, UP_KBPS, RTT_MS, CPU (see
# first-load.js), BENCH_SKIP_APP_BUILD, BENCH_TIMEOUT (seconds, default 1800).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

log() { printf '[first-load] %s\n' "$*" >&2; }

log "setup"
command -v node >/dev/null 2>&1 || webmqtt_die "node is needed (apt-get install nodejs npm)"
ensure_chromium
if [ -f bench/browser/node_modules/mqtt/dist/mqtt.min.js ] && [ -f bench/browser/node_modules/ws/package.json ]; then
    log "ok: mqtt $(node -p "require('./bench/browser/node_modules/mqtt/package.json').version"), ws $(node -p "require('./bench/browser/node_modules/ws/package.json').version")"
else
    log "installing: mqtt and ws (npm ci in bench/browser, versions from its package-lock.json)"
    (cd bench/browser && npm ci --no-audit --no-fund)
fi

if [ "${BENCH_SKIP_APP_BUILD:-}" = 1 ] && [ -f dist/index.html ]; then
    log "build: app skipped (BENCH_SKIP_APP_BUILD=1), using dist/ as it is"
else
    ensure_wasm_target
    ensure_wasm_bindgen
    ensure_trunk
    log "build: app (trunk build --release -> dist/)"
    trunk build --release
fi

log "measure: node bench/browser/first-load.js"
# first-load.js stops everything it started (by pid) on exit, error, INT and TERM;
# timeout bounds the whole step.
timeout --signal=TERM --kill-after=30 "${BENCH_TIMEOUT:-1800}" \
    node bench/browser/first-load.js
