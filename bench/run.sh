#!/usr/bin/env bash
# Codec benchmarks: `bash bench/run.sh` (from anywhere). Not part of the test run.
#
# 1. installs what is missing, each saying what it installs: the Rust target
#    wasm32-unknown-unknown and wasm-bindgen-cli 0.2.130 (scripts/lib.sh),
#    wasm-pack (cargo install), mqtt-packet (npm install in bench/node);
# 2. builds the codec's JS bindings (feature `js`) with wasm-pack, release,
#    --target nodejs, without wasm-opt, into bench/node/pkg;
# 3. runs the criterion benchmarks (cargo bench -p webmqtt-bench): ours vs mqttbytes;
# 4. runs the node benchmark (bench/node/bench.js): ours (wasm) vs mqtt-packet;
# 5. times the native cases again in alternating rounds (bench/examples/instructions.rs),
#    which host noise affects on both sides alike (criterion runs one side, then the other);
# 6. prints one markdown table (also saved to target/webmqtt-bench/table.md).
#
# Environment: ROUNDS, ROUND_MS (node benchmark, see bench/node/bench.js);
# CRITERION_ARGS (extra criterion arguments, e.g. "--measurement-time 5").
# 2 shared cores: absolute figures are noisy; the ratios of one run are what count.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

WASM_PACK_VERSION=0.15.1
OUT="$ROOT/target/webmqtt-bench"
log() { printf '[bench] %s\n' "$*" >&2; }

ensure_wasm_pack() {
    local have=""
    command -v wasm-pack >/dev/null 2>&1 && have="$(wasm-pack --version 2>/dev/null || true)"
    if [ -n "$have" ]; then
        log "ok: $have"
        return 0
    fi
    log "installing: wasm-pack $WASM_PACK_VERSION (cargo install, several minutes on 2 cores)"
    cargo install wasm-pack --version "$WASM_PACK_VERSION"
}

ensure_node_deps() {
    command -v node >/dev/null 2>&1 || webmqtt_die "node is needed for the node benchmark"
    if [ -f bench/node/node_modules/mqtt-packet/package.json ]; then
        log "ok: mqtt-packet $(node -p "require('./bench/node/node_modules/mqtt-packet/package.json').version")"
        return 0
    fi
    log "installing: mqtt-packet (npm install in bench/node)"
    (cd bench/node && npm install --no-audit --no-fund)
}

log "setup"
ensure_wasm_target
ensure_wasm_bindgen
ensure_wasm_pack
ensure_node_deps
rm -rf "$OUT"
mkdir -p "$OUT"

log "build: JS bindings (wasm-pack build codec --release --target nodejs --no-opt -- --features js)"
# wasm-opt = false is also set in codec/Cargo.toml ([package.metadata.wasm-pack]).
wasm-pack build codec --release --target nodejs --no-opt --out-dir ../bench/node/pkg -- --features js

log "native: cargo bench -p webmqtt-bench (criterion; ours vs mqttbytes)"
# shellcheck disable=SC2086 # CRITERION_ARGS is a list of arguments
CRITERION_HOME="$OUT/criterion" cargo bench -p webmqtt-bench --bench codec -- ${CRITERION_ARGS:-} 2>&1 |
    grep -v '^\(Gnuplot\|Found .* outliers\| *[0-9]* (.*%) \(high\|low\) \(mild\|severe\)\)' >&2

log "node: bench/node/bench.js (ours in wasm vs mqtt-packet)"
RESULTS="$OUT/node.json" node bench/node/bench.js >&2

log "native, alternating: bench/examples/instructions.rs alternate (ours and mqttbytes in turn, 41 rounds)"
cargo build --release -q -p webmqtt-bench --example instructions
: >"$OUT/alternating.txt"
for op in decode encode; do
    for case in 64B-qos0 64B-qos1 1KiB-qos0 1KiB-qos1; do
        target/release/examples/instructions alternate "$op" "$case" >>"$OUT/alternating.txt"
    done
done

log "table"
{
    node bench/report.js "$OUT/criterion" "$OUT/node.json"
    echo
    echo "Native, the same work timed in alternating rounds in one process (median ns per packet; ratio = ours / theirs in packets/s):"
    sed 's/^/- /' "$OUT/alternating.txt"
} | tee "$OUT/table.md"

# The browser ingest benchmark (app vs MQTT.js vs a raw WebSocket, in headless Chromium)
# is its own command, bash bench/browser/run.sh (about 15 min); BENCH_BROWSER=1 runs it here too.
if [ "${BENCH_BROWSER:-0}" = 1 ]; then
    log "browser: bash bench/browser/run.sh"
    bash bench/browser/run.sh
fi
