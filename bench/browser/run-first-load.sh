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
# shellcheck source=bench/browser/lib.sh
. bench/browser/lib.sh

log() { printf '[first-load] %s\n' "$*" >&2; }

log "setup"
bench_setup_pages
bench_build_app

log "measure: node bench/browser/first-load.js"
# first-load.js stops everything it started (by pid) on exit, error, INT and TERM;
# timeout bounds the whole step.
timeout --signal=TERM --kill-after=30 "${BENCH_TIMEOUT:-1800}" \
    node bench/browser/first-load.js
