#!/usr/bin/env bash
# Browser ingest benchmark: `bash bench/browser/run.sh` (from anywhere). Not part of the test run.
#
# 1. installs what is missing, each saying what it installs: chromium and mosquitto
#    (apt-get, scripts/lib.sh), the npm packages pinned in bench/browser/package-lock.json
#    (MQTT.js's browser bundle for the reference page, ws for the DevTools connection);
#    for the app build: the wasm target, wasm-bindgen-cli and trunk (scripts/lib.sh);
# 2. builds the app (`trunk build --release` -> dist/; BENCH_SKIP_APP_BUILD=1 reuses dist/)
#    and the flood publisher (`cargo build --release -p webmqtt-codec --example flood`);
# 3. runs bench/browser/bench.js: a throwaway mosquitto on free 127.0.0.1 ports, a flood of
#    QoS 0 messages per run into three pages in headless Chromium (the app, MQTT.js, a raw
#    WebSocket floor), alternating, ROUNDS rounds each (default 3), then the app alone after
#    1,000,000 messages, then one profiled app run;
# 4. prints the markdown tables (also in target/webmqtt-bench/browser/table.md; every run in
#    results.json there, the profile in app.cpuprofile, a screenshot of each page in *.png).
# About 20 minutes on 2 cores. 16 KiB floods go through a WebSocket-to-TCP bridge in front of
# mosquitto's MQTT port: mosquitto 2.0.11's own WebSocket listener crawls with large messages
# (see bench/browser/bench.js and BENCHMARKS.md).
#
# Environment: ROUNDS, CASES, BIG, PROFILE (see bench/browser/bench.js), BENCH_SKIP_APP_BUILD,
# BENCH_TIMEOUT (seconds for the whole measuring step, default 3600).
# 2 shared cores: absolute figures are noisy; compare the pages of one run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
# shellcheck source=bench/browser/lib.sh
. bench/browser/lib.sh

log() { printf '[browser-bench] %s\n' "$*" >&2; }

log "setup"
bench_setup_pages
ensure_mosquitto
bench_build_app
log "build: flood publisher (cargo build --release -p webmqtt-codec --example flood)"
cargo build --release -p webmqtt-codec --example flood

log "measure: node bench/browser/bench.js"
# bench.js stops everything it started (by pid) on exit, error, INT and TERM;
# timeout bounds the whole step.
timeout --signal=TERM --kill-after=30 "${BENCH_TIMEOUT:-3600}" \
    node bench/browser/bench.js
