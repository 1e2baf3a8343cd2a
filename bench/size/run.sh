#!/usr/bin/env bash
# Where the browser build's compressed bytes are: `bash bench/size/run.sh` (from anywhere).
# Not a test.
#
# 1. installs what is missing, each saying what it installs: the wasm target,
#    wasm-bindgen-cli, trunk, the pinned nightly and binaryen (scripts/lib.sh);
# 2. builds the app (`trunk build --release` -> dist/; BENCH_SKIP_APP_BUILD=1 reuses the
#    last build);
# 3. prints the size of each file in dist/ (raw, gzip -9, brotli: scripts/dist-size.mjs);
# 4. prints what each part of the wasm's code weighs in its gzip -9
#    (bench/size/attribute.mjs: the app's views, its other code, the codec, the Leptos
#    runtime, the standard library; and the app's modules), also saved to
#    target/webmqtt-bench/size/table.md.
# About half a minute after the build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
# shellcheck source=bench/browser/lib.sh
. bench/browser/lib.sh

log() { printf '[size] %s\n' "$*" >&2; }

log "setup"
ensure_wasm_bindgen
ensure_build_tools
bench_build_app

log "measure: node scripts/dist-size.mjs dist --markdown"
node scripts/dist-size.mjs dist --markdown
echo
log "measure: node bench/size/attribute.mjs"
node bench/size/attribute.mjs
