#!/usr/bin/env bash
# README command 2: install what is missing, then run every test suite.
#
# Installs (only what is missing): Rust target wasm32-unknown-unknown,
# wasm-bindgen-cli, trunk, and the Debian packages mosquitto, mosquitto-clients,
# chromium, chromium-driver; wasm-opt and terser (npm ci in tools/binaryen and tools/terser); for the
# end-to-end suite, the npm packages of tests/e2e (npm ci). Then runs each suite below, even after one fails,
# prints a summary, and exits non-zero if any suite failed. Needs no stdin
# (works with CI=true); stops whatever it started.
#
# Environment: WEBMQTT_SUITE_TIMEOUT (seconds per suite, default 2400),
# WEBMQTT_TEST_MQTT_PORT (18830), WEBMQTT_TEST_WS_PORT (19001).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

SUITE_TIMEOUT="${WEBMQTT_SUITE_TIMEOUT:-2400}"
# The broker check uses its own ports, so that it does not clash with run-app.sh.
WEBMQTT_MQTT_PORT="${WEBMQTT_TEST_MQTT_PORT:-18830}"
WEBMQTT_WS_PORT="${WEBMQTT_TEST_WS_PORT:-19001}"
export CARGO_TERM_PROGRESS_WHEN=never

header() {
    printf '\n==============================================================\n'
    printf '== %s\n' "$*"
    printf '==============================================================\n'
}

webmqtt_install_traps

header "setup: toolchain and packages"
ensure_wasm_target || webmqtt_die "could not add the wasm32-unknown-unknown target"
ensure_wasm_bindgen || webmqtt_die "could not install wasm-bindgen-cli"
ensure_trunk || webmqtt_die "could not install trunk"
ensure_mosquitto || webmqtt_die "could not install mosquitto"
ensure_chromium || webmqtt_die "could not install chromium"
ensure_build_tools || webmqtt_die "could not install the build tools (the nightly toolchain, wasm-opt from npm package binaryen, terser)"
printf '%s\n' "$(rustc --version)" "$(cargo --version)" "$(rustc +"$WEBMQTT_NIGHTLY" --version) (the browser build)" "$(wasm-bindgen --version)" \
    "$(trunk --version)" "$(wasm-opt --version)" "$(chromium --version 2>/dev/null)" "$(chromedriver --version 2>/dev/null)"

NAMES=()
RESULTS=()
TIMES=()

# run_suite NAME COMMAND...: runs one suite with a time limit and records the result.
run_suite() {
    local name="$1" start rc
    shift
    header "suite: $name"
    printf '$ %s\n' "$*"
    start=$SECONDS
    if declare -F "$1" >/dev/null; then
        "$@" # a function of this script: bounded inside
    else
        timeout --foreground -k 30 "$SUITE_TIMEOUT" "$@"
    fi
    rc=$?
    [ "$rc" -eq 124 ] && webmqtt_log "suite $name timed out after ${SUITE_TIMEOUT}s"
    NAMES+=("$name")
    TIMES+=("$((SECONDS - start))")
    if [ "$rc" -eq 0 ]; then
        RESULTS+=(passed)
    else
        RESULTS+=("FAILED (exit $rc)")
    fi
}

# The broker the app talks to in development (scripts/run-app.sh): our mosquitto
# config starts, plain MQTT works, and the WebSocket listener accepts the `mqtt`
# subprotocol.
suite_broker() {
    start_mosquitto || return 1
    local rc=0 got
    mosquitto_pub -h 127.0.0.1 -p "$WEBMQTT_MQTT_PORT" -q 1 -r -t webmqtt/selftest -m hello || rc=1
    got="$(mosquitto_sub -h 127.0.0.1 -p "$WEBMQTT_MQTT_PORT" -t webmqtt/selftest -C 1 -W 10)" || rc=1
    [ "$got" = hello ] || { webmqtt_log "mosquitto_sub got '$got', expected 'hello'"; rc=1; }
    webmqtt_ws_handshake 127.0.0.1 "$WEBMQTT_WS_PORT" || rc=1
    stop_mosquitto
    return "$rc"
}

# The static build: dist/ has the page, the wasm, the loader, and no inline script
# (the Content-Security-Policy in index.html forbids inline scripts), and stays
# within its size budget.
suite_trunk_build() {
    timeout --foreground -k 30 "$SUITE_TIMEOUT" env "${WEBMQTT_TRUNK_ENV[@]}" trunk build --release || return 1
    local rc=0
    [ -f dist/index.html ] || { webmqtt_log "dist/index.html is missing"; rc=1; }
    compgen -G 'dist/*.wasm' >/dev/null || { webmqtt_log "no .wasm in dist/"; rc=1; }
    [ -f dist/loader.js ] || { webmqtt_log "dist/loader.js is missing"; rc=1; }
    # Built as webmqtt_trunk builds it (scripts/lib.sh): no panic messages in the wasm.
    if grep -aqF -e 'capacity overflow' -e 'already borrowed' dist/*.wasm; then
        webmqtt_log "dist/*.wasm carries panic messages: not built with -C panic=immediate-abort"
        rc=1
    fi
    # Built with -Z fmt-debug=none (scripts/lib.sh), where `{:?}` writes nothing: no
    # text a person reads may be formatted with Debug (tests, after #[cfg(test)], may).
    local debug_uses
    debug_uses="$(awk '/#\[cfg\(test\)\]/ { nextfile } /:#?\?\}/ { print FILENAME ":" FNR ": " $0 }' \
        $(find app/src codec/src -name '*.rs' | sort))"
    if [ -n "$debug_uses" ]; then
        webmqtt_log "Debug formatting ({:?}) outside tests, which the browser build leaves empty:"
        printf '%s\n' "$debug_uses" >&2
        rc=1
    fi
    # The offline app: the manifest and its icons, the worker (written by the post_build
    # hook scripts/precache.mjs) and what registers it.
    local f
    for f in manifest.webmanifest sw.js pwa.js icon-192.png icon-512.png; do
        [ -f "dist/$f" ] || { webmqtt_log "dist/$f is missing"; rc=1; }
    done
    if [ -f dist/sw.js ]; then
        grep -q '"version":"[0-9a-f]\{16\}"' dist/sw.js ||
            { webmqtt_log "dist/sw.js has no precache version (did the post_build hook run?)"; rc=1; }
    fi
    if [ -f dist/index.html ]; then
        grep -q 'Content-Security-Policy' dist/index.html ||
            { webmqtt_log "dist/index.html has no Content-Security-Policy"; rc=1; }
        if grep -o '<script[^>]*>' dist/index.html | grep -qv ' src='; then
            webmqtt_log "dist/index.html has an inline <script> (the CSP would block it):"
            grep -o '<script[^>]*>' dist/index.html >&2
            rc=1
        fi
    fi
    # patches/wasm-streams stands in for wasm-streams (the workspace's [patch.crates-io]):
    # should a new Leptos need another version, cargo would quietly take the real
    # crate again, and its exported classes would be back in the bindings.
    if grep -q 'IntoUnderlying' dist/webmqtt-app-*.js; then
        webmqtt_log "the app's bindings export wasm-streams' classes: patches/wasm-streams no longer applies (cargo tree -i wasm-streams)"
        rc=1
    fi
    # The post_build hooks rewrite the wasm and the bindings after Trunk hashed them:
    # each integrity hash in index.html must name the file as it now is.
    node scripts/check-integrity.mjs dist || rc=1
    # The size budget (issue 14): every file raw, gzip -9 and brotli, and the total
    # gzip -9 against scripts/dist-size-budget. A size check, not a timed test.
    node scripts/dist-size.mjs dist || { webmqtt_log "dist/ is over its size budget (scripts/dist-size-budget)"; rc=1; }
    return "$rc"
}

# The app in headless Chromium (app/tests/*.rs), and the wasm-streams stand-in
# (patches/wasm-streams/tests). transport.rs and components.rs
# talk to a real mosquitto: its ports, and a loopback port nothing listens on,
# reach them at compile time (option_env!); without them those tests fail.
# WASM_BINDGEN_TEST_TIMEOUT bounds each test binary as a whole (not each test):
# transport.rs needs ~40 s, most of it mosquitto sending 1 MiB over WebSocket.
suite_app_browser() {
    start_mosquitto || return 1
    local closed=$((WEBMQTT_WS_PORT + 1)) rc=0
    while webmqtt_port_open 127.0.0.1 "$closed" || [ "$closed" -eq "$WEBMQTT_MQTT_PORT" ]; do
        closed=$((closed + 1))
    done
    webmqtt_log "for the tests: ws port $WEBMQTT_WS_PORT, mqtt port $WEBMQTT_MQTT_PORT, closed port $closed"
    WEBMQTT_TEST_WS_PORT="$WEBMQTT_WS_PORT" WEBMQTT_TEST_MQTT_PORT="$WEBMQTT_MQTT_PORT" \
        WEBMQTT_TEST_CLOSED_PORT="$closed" WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}" \
        timeout --foreground -k 30 "$SUITE_TIMEOUT" \
        cargo test -p webmqtt-app -p wasm-streams --target wasm32-unknown-unknown --no-fail-fast || rc=$?
    stop_mosquitto
    return "$rc"
}

# End-to-end: the built dist/ in headless Chromium (playwright-core) against a real
# mosquitto that the tests start themselves (tests/e2e, node's test runner). It tests
# the static build above: when that failed, it does not test an older dist/.
suite_e2e() {
    local i dist="$PWD/dist"
    for i in "${!NAMES[@]}"; do
        if [ "${NAMES[$i]}" = "static build (trunk build --release)" ] && [ "${RESULTS[$i]}" != passed ]; then
            webmqtt_log "the static build failed: not testing an older dist/"
            return 1
        fi
    done
    ensure_npm_packages tests/e2e || return 1
    (cd tests/e2e && WEBMQTT_DIST_DIR="$dist" WEBMQTT_CHROMIUM=/usr/bin/chromium \
        timeout --foreground -k 30 "$SUITE_TIMEOUT" node --test --test-concurrency=1 --test-timeout=300000)
}

run_suite "native tests (cargo test --workspace)" \
    cargo test --workspace
run_suite "codec builds for wasm32" \
    cargo build -p webmqtt-codec --target wasm32-unknown-unknown
run_suite "app tests in headless Chromium" suite_app_browser
run_suite "broker (mosquitto with websockets)" suite_broker
run_suite "static build (trunk build --release)" suite_trunk_build
run_suite "end-to-end tests in Chromium (tests/e2e)" suite_e2e

header "summary"
passed=0
failed=0
for i in "${!NAMES[@]}"; do
    printf '  %-45s %-18s %4ss\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${TIMES[$i]}"
    if [ "${RESULTS[$i]}" = passed ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
