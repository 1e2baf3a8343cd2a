# shellcheck shell=bash
# What bench/browser/run.sh and run-first-load.sh share; sourced after scripts/lib.sh,
# with a log function defined.

# The pages' packages: node, Chromium, and the npm packages pinned in
# bench/browser/package-lock.json (MQTT.js's browser bundle, ws for the DevTools connection).
bench_setup_pages() {
    command -v node >/dev/null 2>&1 || webmqtt_die "node is needed (apt-get install nodejs npm)"
    ensure_chromium
    if [ -f bench/browser/node_modules/mqtt/dist/mqtt.min.js ] && [ -f bench/browser/node_modules/ws/package.json ]; then
        log "ok: mqtt $(node -p "require('./bench/browser/node_modules/mqtt/package.json').version"), ws $(node -p "require('./bench/browser/node_modules/ws/package.json').version")"
    else
        log "installing: mqtt and ws (npm ci in bench/browser, versions from its package-lock.json)"
        (cd bench/browser && npm ci --no-audit --no-fund)
    fi
}

# The app as users get it (`trunk build --release` -> dist/); BENCH_SKIP_APP_BUILD=1 reuses dist/.
bench_build_app() {
    if [ "${BENCH_SKIP_APP_BUILD:-}" = 1 ] && [ -f dist/index.html ]; then
        log "build: app skipped (BENCH_SKIP_APP_BUILD=1), using dist/ as it is"
        return 0
    fi
    ensure_wasm_target
    ensure_wasm_bindgen
    ensure_trunk
    ensure_build_tools
    log "build: app (trunk build --release -> dist/)"
    webmqtt_trunk build --release
}
