#!/usr/bin/env bash
# README command 1: run WebMQTT locally with a throwaway broker.
#
# Installs what is missing (Rust target wasm32-unknown-unknown, wasm-bindgen-cli,
# trunk, mosquitto), starts mosquitto on 127.0.0.1 (MQTT 1883, WebSocket 9001),
# builds the app and serves it with `trunk serve --release` on 127.0.0.1:8080,
# then prints the URL to open. Ctrl-C stops both.
#
# Environment: WEBMQTT_APP_PORT (8080), WEBMQTT_MQTT_PORT (1883), WEBMQTT_WS_PORT (9001),
# WEBMQTT_BUILD_TIMEOUT (seconds to wait for the first build, 1800).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

APP_PORT="${WEBMQTT_APP_PORT:-8080}"
BUILD_TIMEOUT="${WEBMQTT_BUILD_TIMEOUT:-1800}"

ensure_wasm_target
ensure_wasm_bindgen
ensure_trunk
ensure_mosquitto
ensure_build_tools || webmqtt_die "could not install the build tools (the nightly toolchain, wasm-opt from npm package binaryen, terser)"

if webmqtt_port_open 127.0.0.1 "$APP_PORT"; then
    webmqtt_die "127.0.0.1:$APP_PORT is already in use; set WEBMQTT_APP_PORT to a free port"
fi

webmqtt_install_traps
start_mosquitto

webmqtt_log "building and serving the app with trunk (the first build takes a few minutes)"
# setsid: trunk and the cargo/rustc it runs get their own process group, which
# the cleanup trap stops as a whole.
setsid env "${WEBMQTT_TRUNK_ENV[@]}" trunk serve --release --offline --no-autoreload \
    --address 127.0.0.1 --port "$APP_PORT" </dev/null &
TRUNK_PID=$!
webmqtt_track "$TRUNK_PID" "trunk serve"

if ! webmqtt_wait_port 127.0.0.1 "$APP_PORT" "$BUILD_TIMEOUT" "$TRUNK_PID"; then
    webmqtt_die "trunk serve did not start serving on 127.0.0.1:$APP_PORT"
fi
# trunk serves even after a failed first build: check that the page is the app's.
if ! webmqtt_http_get 127.0.0.1 "$APP_PORT" / | grep -q 'loader.js?js='; then
    webmqtt_die "trunk serve is up but does not serve the built app (see trunk's output above)"
fi

URL="http://127.0.0.1:$APP_PORT/?url=ws://127.0.0.1:$WEBMQTT_WS_PORT"
cat <<MSG

  WebMQTT is running. Open:

      $URL

  Broker (mosquitto): ws://127.0.0.1:$WEBMQTT_WS_PORT (WebSocket), mqtt://127.0.0.1:$WEBMQTT_MQTT_PORT
  Press Ctrl-C to stop both.

MSG

wait "$TRUNK_PID"
