# shellcheck shell=bash
# Shared functions for scripts/run-app.sh and scripts/test.sh.
#
# Source it (`. scripts/lib.sh`); it sets no shell options of its own. Every
# ensure_* function is idempotent: it checks first, installs only what is
# missing and says what it installs.

WEBMQTT_WASM_BINDGEN_VERSION=0.2.130 # must equal the `wasm-bindgen = "=…"` pin in app/Cargo.toml
WEBMQTT_TRUNK_VERSION=0.21.14        # trunk 0.22 needs a newer rustc

# Broker ports (loopback only). Override in the environment.
WEBMQTT_MQTT_PORT="${WEBMQTT_MQTT_PORT:-1883}"
WEBMQTT_WS_PORT="${WEBMQTT_WS_PORT:-9001}"

case ":$PATH:" in
*":$HOME/.cargo/bin:"*) ;;
*) PATH="$HOME/.cargo/bin:$PATH" ;;
esac
export PATH

webmqtt_log() { printf '[webmqtt] %s\n' "$*" >&2; }
webmqtt_die() {
    webmqtt_log "error: $*"
    exit 1
}

# Runs a command as root: directly when we are root, else through sudo.
webmqtt_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

# --- toolchain ---------------------------------------------------------------

# Installs the Rust target wasm32-unknown-unknown (rustup target add).
ensure_wasm_target() {
    if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
        webmqtt_log "ok: rust target wasm32-unknown-unknown"
        return 0
    fi
    webmqtt_log "installing: rust target wasm32-unknown-unknown (rustup target add)"
    rustup target add wasm32-unknown-unknown
}

# Installs wasm-bindgen-cli $WEBMQTT_WASM_BINDGEN_VERSION (wasm-bindgen and
# wasm-bindgen-test-runner) with cargo install (about 3 min on 2 cores).
# Not --locked: that fails here (a locked dependency is missing from the registry).
ensure_wasm_bindgen() {
    local want="wasm-bindgen $WEBMQTT_WASM_BINDGEN_VERSION" have=""
    if command -v wasm-bindgen >/dev/null 2>&1; then
        have="$(wasm-bindgen --version 2>/dev/null || true)"
    fi
    if [ "$have" = "$want" ] && command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
        webmqtt_log "ok: $have (and wasm-bindgen-test-runner)"
        return 0
    fi
    webmqtt_log "installing: wasm-bindgen-cli $WEBMQTT_WASM_BINDGEN_VERSION (cargo install, ~3 min; found: ${have:-none})"
    cargo install wasm-bindgen-cli --version "$WEBMQTT_WASM_BINDGEN_VERSION" --force
}

# Installs trunk $WEBMQTT_TRUNK_VERSION with cargo install --locked (about 6 min on 2 cores).
ensure_trunk() {
    local want="trunk $WEBMQTT_TRUNK_VERSION" have=""
    # Trunk.toml's post_build hook (scripts/precache.mjs, which writes dist/sw.js) runs on node.
    command -v node >/dev/null 2>&1 ||
        webmqtt_die "node is missing: trunk build runs scripts/precache.mjs with it (Node.js 20 or newer)"
    if command -v trunk >/dev/null 2>&1; then
        have="$(trunk --version 2>/dev/null || true)"
    fi
    if [ "$have" = "$want" ]; then
        webmqtt_log "ok: $have"
        return 0
    fi
    webmqtt_log "installing: trunk $WEBMQTT_TRUNK_VERSION (cargo install --locked, ~6 min; found: ${have:-none})"
    cargo install --locked trunk --version "$WEBMQTT_TRUNK_VERSION" --force
}

# --- Debian packages ---------------------------------------------------------

_WEBMQTT_APT_UPDATED=""

# ensure_apt PKG...: installs the Debian packages among PKG... that are not
# installed yet (apt-get update once per shell, then apt-get install).
ensure_apt() {
    local missing=() p
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        webmqtt_log "ok: apt packages $*"
        return 0
    fi
    webmqtt_log "installing (apt-get): ${missing[*]}"
    if [ -z "$_WEBMQTT_APT_UPDATED" ]; then
        webmqtt_as_root apt-get update -q </dev/null
        _WEBMQTT_APT_UPDATED=1
    fi
    webmqtt_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" </dev/null
}

# Installs Chromium and its WebDriver (Debian packages chromium, chromium-driver)
# and points wasm-bindgen-test-runner at the driver (CHROMEDRIVER).
ensure_chromium() {
    ensure_apt chromium chromium-driver
    export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
}

# Installs the mosquitto broker and its command-line clients (Debian packages).
ensure_mosquitto() {
    ensure_apt mosquitto mosquitto-clients
}

# --- npm packages ------------------------------------------------------------

# ensure_npm_packages DIR: installs the npm packages locked in DIR/package-lock.json
# (`npm ci` in DIR) when DIR/node_modules is missing or older than the lock file.
# Uses the machine's Node.js and npm; downloads no browser (playwright-core drives
# Debian's Chromium).
ensure_npm_packages() {
    local dir="$1" stamp="$1/node_modules/.package-lock.json" what
    [ -f "$dir/package-lock.json" ] || {
        webmqtt_log "error: $dir/package-lock.json is missing"
        return 1
    }
    command -v npm >/dev/null 2>&1 || {
        webmqtt_log "error: npm is missing (Node.js 20 or newer with npm is needed for $dir)"
        return 1
    }
    what="$(node -e '
        const lock = require(require("path").resolve(process.argv[1]));
        console.log(Object.entries(lock.packages || {}).filter(([k]) => k)
            .map(([k, v]) => k.replace(/^.*node_modules\//, "") + "@" + v.version).join(" "));
    ' "$dir/package-lock.json" 2>/dev/null)"
    if [ -f "$stamp" ] && ! [ "$dir/package-lock.json" -nt "$stamp" ]; then
        webmqtt_log "ok: npm packages in $dir (${what:-none})"
        return 0
    fi
    webmqtt_log "installing (npm ci in $dir): ${what:-see $dir/package-lock.json}"
    (cd "$dir" && timeout --foreground -k 30 600 npm ci --no-audit --no-fund </dev/null)
}

# wasm-opt for `trunk build --release` (index.html asks for -Oz): binaryen 132
# from the npm package pinned in tools/binaryen/package-lock.json (Debian's
# binaryen is too old for today's rustc output), put first on PATH, where
# Trunk finds it (Trunk.toml: [tools] wasm_opt = "version_132"); and terser
# (tools/terser) for the post_build hooks (scripts/terser.mjs), which minify
# the page's scripts and the service worker.
ensure_build_tools() {
    ensure_nightly || return 1
    ensure_npm_packages tools/binaryen || return 1
    ensure_npm_packages tools/terser || return 1
    case ":$PATH:" in
    *":$PWD/tools/binaryen/node_modules/.bin:"*) ;;
    *) PATH="$PWD/tools/binaryen/node_modules/.bin:$PATH" ;;
    esac
    export PATH
}

# The browser build is made by a pinned nightly Rust, because only nightly can
# rebuild the standard library (-Z build-std) with panics that abort at once
# (-C panic=immediate-abort): no panic messages, locations or formatting code
# in the .wasm. `Debug` is left out too (-Z fmt-debug=none: every `{:?}` writes
# nothing), so no text a person reads may come from `Debug`; and so are the
# source locations `#[track_caller]` records (-Z location-detail=none). The
# rebuilt standard library takes its smaller implementations (its feature
# optimize_for_size: 4.1 KB gzip -9 less, no slower in the browser bench).
# The native build and every test binary use the stable toolchain.
WEBMQTT_NIGHTLY_DATE=2026-05-20
WEBMQTT_NIGHTLY_RUSTC="rustc 1.97.0-nightly (e50aa6fba 2026-05-19)"
WEBMQTT_NIGHTLY="" # the toolchain name ensure_nightly chose

# Installs the pinned nightly with its standard library's source (rust-src).
# A toolchain called plain `nightly` that is this very build is used as it is.
ensure_nightly() {
    local name
    for name in nightly "nightly-$WEBMQTT_NIGHTLY_DATE"; do
        if [ "$(rustc +"$name" -V 2>/dev/null)" = "$WEBMQTT_NIGHTLY_RUSTC" ]; then
            WEBMQTT_NIGHTLY="$name"
            break
        fi
    done
    if [ -z "$WEBMQTT_NIGHTLY" ]; then
        WEBMQTT_NIGHTLY="nightly-$WEBMQTT_NIGHTLY_DATE"
        webmqtt_log "installing: rust toolchain $WEBMQTT_NIGHTLY with rust-src (rustup, for the browser build)"
        rustup toolchain install "$WEBMQTT_NIGHTLY" --profile minimal --component rust-src || return 1
    fi
    if ! rustup +"$WEBMQTT_NIGHTLY" component list --installed 2>/dev/null | grep -qx rust-src; then
        webmqtt_log "installing: rust-src for $WEBMQTT_NIGHTLY (rustup component add)"
        rustup +"$WEBMQTT_NIGHTLY" component add rust-src || return 1
    fi
    webmqtt_log "ok: $WEBMQTT_NIGHTLY ($WEBMQTT_NIGHTLY_RUSTC) with rust-src"
    WEBMQTT_TRUNK_ENV=(
        "RUSTUP_TOOLCHAIN=$WEBMQTT_NIGHTLY"
        "CARGO_UNSTABLE_BUILD_STD=std,panic_abort"
        "CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size"
        "RUSTFLAGS=--cfg erase_components -Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none"
    )
    # Trunk runs cargo --offline (Trunk.toml): download what the rebuilt standard
    # library depends on (its own lock file, in rust-src) beforehand.
    env "${WEBMQTT_TRUNK_ENV[@]}" cargo fetch --quiet --target wasm32-unknown-unknown --manifest-path app/Cargo.toml
}

# The environment trunk runs in (set by ensure_nightly): the pinned nightly, the
# standard library rebuilt, and panics that abort. RUSTFLAGS replaces
# .cargo/config.toml's flags for wasm32, so it repeats `--cfg erase_components`;
# with --target (which trunk passes) it applies to the wasm and the rebuilt std,
# not to build scripts and proc macros.
WEBMQTT_TRUNK_ENV=()

# webmqtt_trunk ARGS...: trunk with the browser build's toolchain and flags.
webmqtt_trunk() {
    [ -n "$WEBMQTT_NIGHTLY" ] || webmqtt_die "webmqtt_trunk: call ensure_build_tools first"
    env "${WEBMQTT_TRUNK_ENV[@]}" trunk "$@"
}

# --- processes and cleanup ---------------------------------------------------

WEBMQTT_PIDS=()      # background processes to stop on exit (webmqtt_track)
WEBMQTT_PID_NAMES=() # their names, for messages

# webmqtt_track PID NAME: stop process PID (and its process group, if it leads
# one) when the script exits.
webmqtt_track() {
    WEBMQTT_PIDS+=("$1")
    WEBMQTT_PID_NAMES+=("${2:-process}")
}

# webmqtt_port_open HOST PORT: true when HOST:PORT accepts a TCP connection.
webmqtt_port_open() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# webmqtt_wait_port HOST PORT SECONDS [PID]: waits (bounded) until HOST:PORT
# accepts connections; fails early if PID is given and that process has ended.
webmqtt_wait_port() {
    local host="$1" port="$2" secs="$3" pid="${4:-}" i
    for ((i = 0; i < secs * 10; i++)); do
        webmqtt_port_open "$host" "$port" && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        sleep 0.1
    done
    return 1
}

# webmqtt_stop_pid PID [NAME]: stops one process we started: SIGINT, then
# SIGTERM, then SIGKILL, each after a bounded wait. If PID leads its own
# process group (started with setsid), the whole group gets the signals.
webmqtt_stop_pid() {
    local pid="$1" name="${2:-process}" target sig i
    kill -0 "$pid" 2>/dev/null || return 0
    target="$pid"
    if [ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ]; then
        target="-$pid"
    fi
    webmqtt_log "stopping $name (pid $pid)"
    for sig in INT TERM KILL; do
        kill "-$sig" -- "$target" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break 2
            sleep 0.1
        done
    done
    wait "$pid" 2>/dev/null || true
}

# webmqtt_cleanup: stops every process recorded with webmqtt_track, then mosquitto.
webmqtt_cleanup() {
    local i
    for i in "${!WEBMQTT_PIDS[@]}"; do
        webmqtt_stop_pid "${WEBMQTT_PIDS[$i]}" "${WEBMQTT_PID_NAMES[$i]}"
    done
    WEBMQTT_PIDS=()
    WEBMQTT_PID_NAMES=()
    stop_mosquitto
}

# webmqtt_install_traps: on exit, Ctrl-C (INT) or TERM, clean up what we started.
# (A shell started in the background without job control ignores INT and cannot
# trap it: stop such a run with TERM.)
webmqtt_install_traps() {
    trap 'webmqtt_cleanup' EXIT
    trap 'webmqtt_log "interrupted"; exit 130' INT
    trap 'exit 143' TERM
}

# webmqtt_http_get HOST PORT PATH: prints the response (headers and body) to a
# plain HTTP/1.0 GET. Bounded: 10 s.
webmqtt_http_get() {
    local host="$1" port="$2" path="$3" fd
    exec {fd}<>"/dev/tcp/$host/$port" || return 1
    printf 'GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' "$path" "$host" "$port" >&"$fd"
    timeout 10 cat <&"$fd"
    local rc=$?
    exec {fd}>&-
    return "$rc"
}

# --- mosquitto ---------------------------------------------------------------

MOSQUITTO_PID=""
MOSQUITTO_DIR=""

# start_mosquitto: runs a throwaway mosquitto on 127.0.0.1 with plain MQTT on
# $WEBMQTT_MQTT_PORT (default 1883) and MQTT over WebSocket on $WEBMQTT_WS_PORT
# (default 9001), anonymous access allowed. Its config and log are in a temp dir
# ($MOSQUITTO_DIR); the pid is in $MOSQUITTO_PID. Waits (bounded) until both
# ports accept connections. Installs the cleanup traps.
start_mosquitto() {
    local port
    if [ -n "$MOSQUITTO_PID" ] && kill -0 "$MOSQUITTO_PID" 2>/dev/null; then
        webmqtt_log "ok: mosquitto already running (pid $MOSQUITTO_PID)"
        return 0
    fi
    command -v mosquitto >/dev/null 2>&1 || ensure_mosquitto
    for port in "$WEBMQTT_MQTT_PORT" "$WEBMQTT_WS_PORT"; do
        if webmqtt_port_open 127.0.0.1 "$port"; then
            webmqtt_log "error: 127.0.0.1:$port is already in use (another broker?);" \
                "set WEBMQTT_MQTT_PORT / WEBMQTT_WS_PORT to free ports"
            return 1
        fi
    done
    webmqtt_install_traps
    MOSQUITTO_DIR="$(mktemp -d "${TMPDIR:-/tmp}/webmqtt-mosquitto.XXXXXX")"
    chmod 755 "$MOSQUITTO_DIR"
    cat >"$MOSQUITTO_DIR/mosquitto.conf" <<EOF
# Written by scripts/lib.sh (start_mosquitto). Loopback only.
per_listener_settings false
allow_anonymous true
persistence false
log_dest stderr
listener $WEBMQTT_MQTT_PORT 127.0.0.1
listener $WEBMQTT_WS_PORT 127.0.0.1
protocol websockets
socket_domain ipv4
EOF
    chmod 644 "$MOSQUITTO_DIR/mosquitto.conf"
    webmqtt_log "starting mosquitto: mqtt://127.0.0.1:$WEBMQTT_MQTT_PORT, ws://127.0.0.1:$WEBMQTT_WS_PORT (log $MOSQUITTO_DIR/mosquitto.log)"
    mosquitto -c "$MOSQUITTO_DIR/mosquitto.conf" >"$MOSQUITTO_DIR/mosquitto.log" 2>&1 </dev/null &
    MOSQUITTO_PID=$!
    for port in "$WEBMQTT_MQTT_PORT" "$WEBMQTT_WS_PORT"; do
        if ! webmqtt_wait_port 127.0.0.1 "$port" 20 "$MOSQUITTO_PID"; then
            webmqtt_log "error: mosquitto did not open 127.0.0.1:$port; its log:"
            cat "$MOSQUITTO_DIR/mosquitto.log" >&2 || true
            stop_mosquitto
            return 1
        fi
    done
    webmqtt_log "mosquitto is up (pid $MOSQUITTO_PID)"
}

# webmqtt_ws_handshake HOST PORT: true when HOST:PORT answers a WebSocket
# upgrade that offers the subprotocol `mqtt` with "101" and echoes `mqtt`.
# Bounded: 5 s per read.
webmqtt_ws_handshake() {
    local host="$1" port="$2" line status="" proto="" i fd
    exec {fd}<>"/dev/tcp/$host/$port" || return 1
    printf 'GET / HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n' \
        "$host" "$port" >&"$fd"
    for ((i = 0; i < 50; i++)); do
        IFS= read -r -t 5 line <&"$fd" || break
        line="${line%$'\r'}"
        [ -z "$line" ] && break
        if [ -z "$status" ]; then
            status="$line"
        elif [[ "${line,,}" == sec-websocket-protocol:* ]]; then
            proto="${line#*:}"
            proto="${proto// /}"
        fi
    done
    exec {fd}>&-
    webmqtt_log "ws://$host:$port/ answered: ${status:-nothing} (subprotocol: ${proto:-none})"
    [[ "$status" == "HTTP/1.1 101"* ]] && [ "$proto" = mqtt ]
}

# stop_mosquitto: stops the mosquitto started by start_mosquitto (by its pid)
# and removes its temp dir.
stop_mosquitto() {
    if [ -n "$MOSQUITTO_PID" ]; then
        webmqtt_stop_pid "$MOSQUITTO_PID" mosquitto
        MOSQUITTO_PID=""
    fi
    if [ -n "$MOSQUITTO_DIR" ] && [ -d "$MOSQUITTO_DIR" ]; then
        rm -rf -- "$MOSQUITTO_DIR"
    fi
    MOSQUITTO_DIR=""
}
