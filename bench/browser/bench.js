#!/usr/bin/env node
// Browser ingest benchmark: run through `bash bench/browser/run.sh`.
//
// One mosquitto (127.0.0.1, free ports, TCP + WebSocket listeners) and one flood
// publisher (codec/examples/flood.rs, built by run.sh) are shared by three pages,
// each in a fresh headless Chromium, alternating per round:
//   app    the built app (dist/), connected and subscribed by clicking #connect
//          and #subscribe; done when #feed-counts says N+1 received (or the
//          marker's row shows);
//   mqttjs MQTT.js's browser bundle: subscribes and counts (pages/mqttjs.*);
//   raw    a raw WebSocket that sends a fixed CONNECT and SUBSCRIBE and only
//          counts frames and bytes: the floor for any browser client (pages/raw.*).
//
// Chromium is driven over the DevTools protocol with Page, Runtime and
// Performance only (never Network: it makes Chromium copy every WebSocket frame),
// plus Profiler for the one optional profiling run. Every wait is bounded; every
// process started here (mosquitto, chromium, flood) is stopped by its pid.
//
// Environment (all optional):
//   ROUNDS=3            rounds per page and case (the median is reported)
//   CASES=200000x64,20000x16384@bridge,100000x64/cpu4   N x P cases run on all three
//                       pages; @bridge: through the WebSocket-to-TCP bridge instead of
//                       mosquitto's WebSocket listener (which crawls at ~2.5 msg/s with
//                       16 KiB messages: mosquitto 2.0.11 with Debian's libwebsockets);
//                       /cpuN: the page's CPU slowed N times (CDP
//                       Emulation.setCPUThrottlingRate: a low-end phone, where the page
//                       and not the broker is the bottleneck)
//   BIG=1000000x64      the app-only case (heap and wasm after many messages); BIG=0 skips
//   BIG_KEEPALIVE=0     the app's keep alive in the BIG run (0: off; "default": the form's 60 s)
//   PAGES=app,mqttjs,raw  which pages run the CASES
//   PROFILE=1           one profiled app run (200000 x 64) for the top self-time functions
//   PROFILE_PAGES=app   which pages get a profiled run (comma-separated: app,mqttjs,raw)
//   PROFILE_CASE=200000x64  the flood of the profiled runs
//   TRACE=1             the profiled runs also record a Chrome trace (PAGE.trace.json,
//                       for chrome://tracing or DevTools' Performance panel), and the
//                       log lists their tasks over 50 ms and what each spent its time on
//   TRACE_CATEGORIES    the trace's categories (default: toplevel, devtools.timeline, GC)
//   FLOOD_BIN           the flood publisher (default target/release/examples/flood)
//   DIST                the built app (default dist/)
//   OUT                 where results go (default target/webmqtt-bench/browser)
//   CHROMIUM=/usr/bin/chromium
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const http = require("http");
const net = require("net");
const zlib = require("zlib");
const { spawn, execFileSync } = require("child_process");
const WebSocket = require("ws");
const { Cdp, httpGetJson, waitFor } = require("./cdp");

const ROOT = path.resolve(__dirname, "..", "..");
const HERE = __dirname;
const env = process.env;
const ROUNDS = Math.max(1, Number(env.ROUNDS || 3));
const CASES = parseCases(env.CASES || "200000x64,20000x16384@bridge,100000x64/cpu4");
const BIG = env.BIG === "0" ? [] : parseCases(env.BIG || "1000000x64");
// The app's keep alive (seconds) for the BIG run; "default" leaves the form's 60.
// With 60, a flood that takes longer than ~150 s to drain is cut off by the
// broker: the app's PINGRESP waits behind the backlog in mosquitto's queue, the
// app sends nothing more, and mosquitto drops it after 1.5 x keep alive.
const BIG_KEEPALIVE = (env.BIG_KEEPALIVE || "0") === "default" ? null : Number(env.BIG_KEEPALIVE || "0");
const PROFILE = env.PROFILE !== "0";
const PROFILE_PAGES = (env.PROFILE_PAGES || "app").split(",").filter(Boolean);
const PROFILE_CASE = parseCases(env.PROFILE_CASE || "200000x64")[0];
const TRACE = env.TRACE === "1";
const FLOOD_BIN = env.FLOOD_BIN || path.join(ROOT, "target/release/examples/flood");
const DIST = path.resolve(env.DIST || path.join(ROOT, "dist"));
const OUT = path.resolve(env.OUT || path.join(ROOT, "target/webmqtt-bench/browser"));
const CHROMIUM = env.CHROMIUM || "/usr/bin/chromium";
const FILTER = "bench/#";
const PREFIX = "bench/flood";
const MARKER = "bench/done";
const PAGES = (env.PAGES || "app,mqttjs,raw").split(",").filter(Boolean);
const LABEL = { app: "app (dist/)", mqttjs: "MQTT.js 5.16.0", raw: "raw WebSocket (floor)" };
// Settle time after the marker before heap and wasm memory are read (the app
// renders on the next animation frames), and how long after the marker a long
// task still counts as "during the flood".
const SETTLE_MS = 1500;

// "NxP" (through mosquitto's own WebSocket listener) or "NxP@bridge" (through
// a WebSocket-to-TCP bridge in front of mosquitto's MQTT port, see startBridge).
function parseCases(s) {
  return s.split(",").filter(Boolean).map((c) => {
    const [spec, cpuPart] = c.toLowerCase().split("/");
    const [size, via = "mosquitto"] = spec.split("@");
    const [n, p] = size.split("x").map(Number);
    const cpu = cpuPart === undefined ? 1 : Number(cpuPart.replace(/^cpu/, ""));
    if (!(n > 0 && p >= 0) || !["mosquitto", "bridge"].includes(via) || !(cpu >= 1)) {
      throw new Error(`bad case ${c} (want NxP, NxP@bridge or NxP/cpu4, e.g. 200000x64)`);
    }
    return { n, p, via, cpu, key: `${n}x${p}@${via}/cpu${cpu}` };
  });
}

const log = (...a) => console.error("[browser-bench]", ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const v = xs.filter((x) => x != null && !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

// --- processes we start, stopped by pid ------------------------------------

const children = new Set();
const tmpDirs = new Set();

function track(child, name) {
  const entry = { child, name };
  children.add(entry);
  child.on("exit", () => children.delete(entry));
  return entry;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Stops one child we started (detached: it leads its own process group, so the
// group gets the signal too): TERM, then KILL after a bounded wait.
async function stop(entry) {
  if (!entry) return;
  const pid = entry.child.pid;
  for (const [sig, waitMs] of [["SIGTERM", 5000], ["SIGKILL", 3000]]) {
    if (entry.child.exitCode !== null || entry.child.signalCode !== null) break;
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {}
    }
    for (let waited = 0; waited < waitMs && alive(pid) && entry.child.exitCode === null; waited += 50) await sleep(50);
  }
  children.delete(entry);
}

function stopAllSync() {
  for (const { child } of children) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      try {
        child.kill("SIGKILL");
      } catch {}
    }
  }
  children.clear();
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
  tmpDirs.clear();
}
process.on("exit", stopAllSync);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    log(`${sig}: stopping what was started`);
    stopAllSync();
    process.exit(130);
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function portOpen(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on("connect", () => done(true));
    sock.on("error", () => done(false));
  });
}


// --- mosquitto ----------------------------------------------------------------

async function startMosquitto(tmp) {
  const tcp = await freePort();
  let ws = await freePort();
  while (ws === tcp) ws = await freePort();
  const conf = path.join(tmp, "mosquitto.conf");
  // max_queued_messages 0 and max_queued_bytes 0: no limit. Since 2.0 the queue
  // limit applies to QoS 0 for connected clients too (default 1000, then it drops):
  // a slow WebSocket subscriber must get every message of the flood.
  fs.writeFileSync(
    conf,
    [
      "# Written by bench/browser/bench.js. Loopback only.",
      "per_listener_settings false",
      "allow_anonymous true",
      "persistence false",
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      "log_type notice",
      "max_queued_messages 0",
      "max_queued_bytes 0",
      "memory_limit 0",
      `listener ${tcp} 127.0.0.1`,
      `listener ${ws} 127.0.0.1`,
      "protocol websockets",
      "socket_domain ipv4",
      "",
    ].join("\n"),
  );
  const logFile = path.join(tmp, "mosquitto.log");
  const fd = fs.openSync(logFile, "w");
  const child = spawn("mosquitto", ["-c", conf], { detached: true, stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  const entry = track(child, "mosquitto");
  for (const port of [tcp, ws]) {
    await waitFor(`mosquitto on 127.0.0.1:${port}`, async () => {
      if (child.exitCode !== null) throw new Error(`mosquitto exited: ${fs.readFileSync(logFile, "utf8")}`);
      return portOpen(port);
    }, 20000);
  }
  log(`mosquitto pid ${child.pid}: mqtt 127.0.0.1:${tcp}, ws 127.0.0.1:${ws}`);
  return { entry, tcp, ws, logFile };
}

// --- WebSocket-to-TCP bridge -----------------------------------------------------
//
// mosquitto 2.0.11 with Debian's libwebsockets sends large packets over its
// WebSocket listener at a crawl (about 2.5 messages/s of 16 KiB here once the
// socket buffer is full; mosquitto issues #1390, #2252). For such floods the
// pages connect here instead: each WebSocket (subprotocol mqtt) gets its own TCP
// connection to mosquitto's MQTT listener, and every chunk read from TCP goes
// out as one binary frame, so a frame may hold several packets or part of one,
// as MQTT over WebSocket allows (brokers that coalesce writes do the same).
// Reading from TCP pauses while more than 8 MiB wait to be sent.
function startBridge(mqttPort) {
  const HIGH = 8 << 20;
  const wss = new WebSocket.Server({
    host: "127.0.0.1",
    port: 0,
    perMessageDeflate: false,
    maxPayload: 256 << 20,
    handleProtocols: (protocols) => (protocols.has("mqtt") ? "mqtt" : false),
  });
  wss.on("connection", (ws) => {
    const tcp = net.connect({ host: "127.0.0.1", port: mqttPort });
    tcp.setNoDelay(true);
    let pending = 0;
    tcp.on("data", (chunk) => {
      pending += chunk.length;
      ws.send(chunk, { binary: true }, () => {
        pending -= chunk.length;
        if (pending < HIGH / 2 && tcp.isPaused()) tcp.resume();
      });
      if (pending > HIGH) tcp.pause();
    });
    ws.on("message", (data) => tcp.write(data));
    const close = () => {
      tcp.destroy();
      ws.terminate();
    };
    tcp.on("close", close);
    tcp.on("error", close);
    ws.on("close", close);
    ws.on("error", close);
  });
  return new Promise((resolve, reject) => {
    wss.once("listening", () => resolve(wss));
    wss.once("error", reject);
  });
}

// --- static server -------------------------------------------------------------

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

function startServer() {
  const roots = [
    ["/bench/mqtt.min.js", path.join(HERE, "node_modules/mqtt/dist/mqtt.min.js")],
    ["/bench/", path.join(HERE, "pages")],
    ["/", DIST],
  ];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    let file = null;
    for (const [prefix, target] of roots) {
      if (url.pathname === prefix && !prefix.endsWith("/")) {
        file = target;
        break;
      }
      if (prefix.endsWith("/") && url.pathname.startsWith(prefix)) {
        const rel = decodeURIComponent(url.pathname.slice(prefix.length)) || "index.html";
        const full = path.resolve(target, rel);
        if (full.startsWith(target + path.sep)) file = full;
        break;
      }
    }
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, {
      "content-type": TYPES[path.extname(file)] || "application/octet-stream",
      "content-length": body.length,
      "cache-control": "no-store",
    });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// --- Chromium over CDP ----------------------------------------------------------



// Flags from docs/field-notes (shared), plus what this benchmark needs: a
// DevTools port of the OS's choosing, precise memory figures, gc() for a
// settled heap reading, a window big enough for the feed.
async function launchChromium(tmp) {
  const profile = fs.mkdtempSync(path.join(tmp, "chromium-"));
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    `--user-data-dir=${profile}`,
    "--remote-debugging-port=0",
    "--remote-debugging-address=127.0.0.1",
    "--enable-precise-memory-info",
    "--js-flags=--expose-gc",
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--window-size=1280,1024",
    "about:blank",
  ];
  const logFile = path.join(profile, "chromium.log");
  const fd = fs.openSync(logFile, "w");
  const child = spawn(CHROMIUM, args, { detached: true, stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  const entry = track(child, "chromium");
  try {
    const portFile = path.join(profile, "DevToolsActivePort");
    const port = await waitFor("DevToolsActivePort", () => {
      if (child.exitCode !== null) throw new Error(`chromium exited: ${fs.readFileSync(logFile, "utf8").slice(-2000)}`);
      if (!fs.existsSync(portFile)) return null;
      const first = fs.readFileSync(portFile, "utf8").split("\n")[0];
      return Number(first) || null;
    }, 30000);
    const page = await waitFor("a page target", async () => {
      const list = await httpGetJson(port, "/json/list").catch(() => []);
      return list.find((t) => t.type === "page");
    }, 10000);
    const cdp = await Cdp.connect(page.webSocketDebuggerUrl);
    return { entry, cdp, profile };
  } catch (e) {
    await stop(entry);
    throw e;
  }
}

async function closeChromium(browser) {
  if (!browser) return;
  browser.cdp && browser.cdp.close();
  await stop(browser.entry);
  fs.rmSync(browser.profile, { recursive: true, force: true });
}

// Installed before any page script: long tasks, the time of the first
// WebSocket message after the driver arms the page, the app's wasm exports
// (web/loader.js hands them to the TrunkApplicationStarted event).
const INJECT = `(() => {
  const b = window.__bench = { armed: false, first: null, done: null, received: null, ready: false, longtasks: [], wasm: null };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longtasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
  } catch (e) { b.longtaskError = String(e); }
  // What the longest animation frames spent their time on (Long Animation Frames API):
  // the scripts by invoker, and the frame's rendering (style, layout, paint).
  b.frames = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        b.frames.push({
          start: e.startTime,
          duration: e.duration,
          render: e.renderStart ? e.startTime + e.duration - e.renderStart : 0,
          styleAndLayout: e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0,
          scripts: e.scripts.map((s) => [s.invoker, Math.round(s.duration)]),
        });
        if (b.frames.length > 400) { b.frames.sort((x, y) => y.duration - x.duration); b.frames.length = 200; }
      }
    }).observe({ type: "long-animation-frame", buffered: true });
  } catch (e) { b.framesError = String(e); }
  addEventListener("TrunkApplicationStarted", (e) => { b.wasm = e.detail && e.detail.wasm; });
  const WS = window.WebSocket;
  window.WebSocket = new Proxy(WS, {
    construct(target, args) {
      const ws = Reflect.construct(target, args);
      const first = () => {
        if (!b.armed) return;
        b.first = performance.now();
        ws.removeEventListener("message", first);
      };
      ws.addEventListener("message", first);
      return ws;
    },
  });
})();`;

// For the app, at arming: done when #feed-counts shows N+1 received or the
// marker's row is in the feed. The app updates the counts once per frame.
function appWatch(total) {
  return `(() => {
    const b = window.__bench;
    const counts = document.querySelector("#feed-counts");
    const check = () => {
      if (b.done != null) return;
      const text = counts.textContent || "";
      const m = /^(\\d+) received/.exec(text);
      const n = m ? Number(m[1]) : 0;
      b.progressCount = n;
      if (n >= ${total} || document.querySelector('#feed-list li[data-topic="${MARKER}"]')) {
        b.done = performance.now();
        b.received = n;
        obs.disconnect();
      }
    };
    const obs = new MutationObserver(check);
    obs.observe(counts, { childList: true, characterData: true, subtree: true });
    // The connection must stay up for the whole flood: a reconnect starts a new
    // (clean) session and the rest of the flood is lost.
    const status = document.querySelector("#status");
    new MutationObserver(() => {
      if (b.done == null && b.error == null && !status.classList.contains("connected")) {
        b.error = "the app lost its connection at " + (b.progressCount || 0) + " messages: " + status.textContent;
      }
    }).observe(status, { attributes: true, childList: true, characterData: true, subtree: true });
    b.progress = () => b.progressCount || 0;
    return true;
  })()`;
}

// Bytes of the PUBLISH packets the subscriber gets (MQTT 3.1.1, QoS 0): the
// flood, then the marker. The raw page is done when they have all arrived.
function publishBytes(n, p, topics = 1) {
  const varintLen = (x) => (x < 128 ? 1 : x < 16384 ? 2 : x < 2097152 ? 3 : 4);
  const packet = (topicLen, payloadLen) => {
    const rem = 2 + topicLen + payloadLen;
    return 1 + varintLen(rem) + rem;
  };
  let total = 0;
  for (let k = 0; k < topics; k++) {
    const count = Math.floor(n / topics) + (k < n % topics ? 1 : 0);
    total += count * packet(Buffer.byteLength(`${PREFIX}/${k}`), p);
  }
  return total + packet(Buffer.byteLength(MARKER), Buffer.byteLength(`done ${n}`));
}

function runFlood(mqttPort, n, p) {
  return new Promise((resolve, reject) => {
    const args = ["-p", String(mqttPort), "-n", String(n), "-s", String(p), "-t", PREFIX, "--marker", MARKER, "--json"];
    const child = spawn(FLOOD_BIN, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const entry = track(child, "flood");
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const timer = setTimeout(() => {
      stop(entry);
      reject(new Error(`flood: no end in 300 s`));
    }, 300000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`flood exited ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").pop()));
      } catch (e) {
        reject(new Error(`flood: unreadable output ${JSON.stringify(out)}`));
      }
    });
  });
}

function pageUrl(base, page, ws, n, p) {
  const brokerUrl = `ws://127.0.0.1:${ws}`;
  const q = (o) => new URLSearchParams(o).toString();
  switch (page) {
    case "app":
      return `${base}/index.html?${q({ url: brokerUrl, topic: FILTER })}`;
    case "mqttjs":
      return `${base}/bench/mqttjs.html?${q({ url: brokerUrl, topic: FILTER, marker: MARKER })}`;
    case "raw":
      return `${base}/bench/raw.html?${q({ url: brokerUrl, bytes: publishBytes(n, p) })}`;
  }
  throw new Error(page);
}

const METRICS = ["TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration"];

async function metrics(cdp) {
  const r = await cdp.send("Performance.getMetrics");
  const m = {};
  for (const { name, value } of r.metrics) m[name] = value;
  return m;
}

// One page, one flood: returns what was measured.
async function runOnce({ tmp, base, broker, page, c, profile = false, keepAlive = null, screenshot = null }) {
  const { n, p } = c;
  const total = n + 1;
  // Bounded, and generous for a loaded 2-core machine: 2 min, plus 1 ms per
  // message, plus 1 s per 5 MB of payload.
  const timeoutMs = 120000 + n + Math.round((n * p) / 5000);
  const browser = await launchChromium(tmp);
  const { cdp } = browser;
  try {
    await cdp.send("Page.enable");
    await cdp.send("Runtime.enable");
    // Thread time, not wall time: the main thread's CPU, which other processes
    // on a shared 2-core machine cannot inflate.
    await cdp.send("Performance.enable", { timeDomain: "threadTicks" });
    if (c.cpu > 1) await cdp.send("Emulation.setCPUThrottlingRate", { rate: c.cpu });
    await cdp.send("Page.addScriptToEvaluateOnNewDocument", { source: INJECT });
    const wsPort = c.via === "bridge" ? broker.bridge : broker.ws;
    await cdp.send("Page.navigate", { url: pageUrl(base, page, wsPort, n, p) });

    if (page === "app") {
      await waitFor("the app (#connect)", () => cdp.eval(`!!document.querySelector("#connect") && !!window.__bench.wasm`), 30000, 200);
      if (keepAlive != null) {
        // As a user would: type it into the form's field.
        await cdp.eval(`(() => { const el = document.querySelector("#keep-alive"); el.value = ${JSON.stringify(String(keepAlive))};
          el.dispatchEvent(new Event("input", { bubbles: true })); return true; })()`);
      }
      await cdp.eval(`document.querySelector("#connect").click(), true`);
      await waitFor("the app to connect (#status.connected)", () => cdp.eval(`!!document.querySelector("#status.connected")`), 15000, 100);
      if (keepAlive != null) {
        const line = fs.readFileSync(broker.logFile, "utf8").trim().split("\n").filter((l) => /New client connected .* as webmqtt-/.test(l)).pop();
        log(`  keep alive ${keepAlive}: ${line ? line.replace(/^\d+: /, "") : "(no connect line in mosquitto's log)"}`);
      }
      await cdp.eval(`document.querySelector("#subscribe").click(), true`);
      await waitFor("the app's SUBACK (granted)", () => cdp.eval(
        `[...document.querySelectorAll("#subscription-list .sub-state")].some((e) => e.textContent.startsWith("granted"))`), 15000, 100);
      await cdp.eval(appWatch(total));
    } else {
      await waitFor(`${page}: SUBACK`, () => cdp.eval(`!!(window.__bench && window.__bench.ready)`), 15000, 100);
    }
    await cdp.eval(`(typeof gc === "function" && gc(), window.__bench.armed = true, true)`);
    const before = await metrics(cdp);
    if (profile) {
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
      await cdp.send("Profiler.start");
    }
    const traceEvents = [];
    if (profile && TRACE) {
      cdp.on("Tracing.dataCollected", (d) => traceEvents.push(...d.value));
      await cdp.send("Tracing.start", {
        // Few categories, little overhead: a detailed trace slows the page it watches.
        categories: env.TRACE_CATEGORIES || "toplevel,devtools.timeline,v8.execute,disabled-by-default-v8.gc",
        transferMode: "ReportEvents",
      });
    }
    const armedAt = await cdp.eval("performance.now()");

    const flood = await runFlood(broker.tcp, n, p);
    const expected = publishBytes(n, p);
    if (flood.publish_bytes + flood.marker_bytes !== expected) {
      log(`warning: the flood wrote ${flood.publish_bytes + flood.marker_bytes} PUBLISH bytes, expected ${expected}`);
    }
    // While waiting: every 2 s, messages so far and the wasm memory (a trace of
    // its growth; wasm memory never shrinks, so it is a high-water mark).
    const trace = [];
    let lastTrace = 0;
    const poll = async () => {
      if (Date.now() - lastTrace >= 2000) {
        lastTrace = Date.now();
        trace.push(await cdp.eval(`(() => { const b = window.__bench;
          return [b.progress ? b.progress() : null, b.wasm && b.wasm.memory ? b.wasm.memory.buffer.byteLength : 0]; })()`));
      }
      const [done, error] = await cdp.eval(`[window.__bench.done != null, window.__bench.error || null]`);
      if (error && !done) {
        const brokerLog = fs.existsSync(broker.logFile) ? fs.readFileSync(broker.logFile, "utf8").trim().split("\n").slice(-4).join(" | ") : "";
        throw new Error(`${page}: ${error} (mosquitto's log ends: ${brokerLog})`);
      }
      return done;
    };
    await waitFor(`${page}: the marker (${total} messages)`, poll, timeoutMs, 250)
      .catch(async (e) => {
        const progress = await cdp.eval(`window.__bench.progress ? window.__bench.progress() : null`).catch(() => null);
        throw new Error(`${e.message}; received so far: ${progress}`);
      });
    let profileResult = null;
    if (profile) profileResult = (await cdp.send("Profiler.stop", {}, 120000)).profile;
    if (profile && TRACE) {
      const complete = new Promise((resolve) => cdp.on("Tracing.tracingComplete", resolve));
      await cdp.send("Tracing.end");
      await Promise.race([complete, sleep(120000).then(() => { throw new Error("the trace: not complete in 120 s"); })]);
    }
    const after = await metrics(cdp);
    const r = await cdp.eval(`(() => {
      const b = window.__bench;
      return { first: b.first, done: b.done, received: b.received, bytes: b.bytes || null, longtasks: b.longtasks, longtaskError: b.longtaskError || null,
        frames: b.frames.filter((f) => f.start >= b.first && f.start <= b.done).sort((x, y) => y.duration - x.duration).slice(0, 5) };
    })()`);
    await sleep(SETTLE_MS);
    const mem = await cdp.eval(`(() => {
      if (typeof gc === "function") { gc(); gc(); }
      const b = window.__bench;
      const wasm = b.wasm && b.wasm.memory ? b.wasm.memory.buffer.byteLength : 0;
      const pm = performance.memory || {};
      return { wasm, jsUsed: pm.usedJSHeapSize || null };
    })()`);
    const heap = await cdp.send("Runtime.getHeapUsage");
    const settled = await metrics(cdp);
    if (screenshot) {
      const shot = await cdp.send("Page.captureScreenshot", { format: "png" });
      fs.writeFileSync(screenshot, Buffer.from(shot.data, "base64"));
    }
    const elapsedMs = r.done - r.first;
    const during = r.longtasks.filter(([s, d]) => s + d >= armedAt && s <= r.done);
    const longest = during.reduce((m, [, d]) => Math.max(m, d), 0);
    // When the longest task began, from the first message (to find it among the frames logged).
    const longestTaskAt = during.length ? during.reduce((m, t) => (t[1] > m[1] ? t : m))[0] - r.first : null;
    const delta = {};
    for (const k of METRICS) delta[k] = (after[k] || 0) - (before[k] || 0);
    return {
      page,
      n,
      p,
      via: c.via,
      key: c.key,
      rate: elapsedMs > 0 ? n / (elapsedMs / 1000) : null,
      elapsedMs,
      // The raw page counts frames, not packets: it has them all when the bytes
      // add up exactly (CONNACK 4 + SUBACK 5 + every PUBLISH).
      received: page === "raw" ? (r.bytes === 9 + publishBytes(n, p) ? n + 1 : null) : r.received,
      frames: page === "raw" ? r.received : null,
      longestTaskMs: longest,
      longestTaskAt,
      longTasks: during.length,
      longtaskError: r.longtaskError,
      longestFrames: r.frames,
      firstAt: r.first,
      heapUsed: heap.usedSize,
      heapTotal: heap.totalSize,
      wasmBytes: mem.wasm,
      floodRate: flood.msgs_per_s,
      metrics: delta,
      load: os.loadavg()[0],
      trace,
      domNodes: settled.Nodes,
      jsEventListeners: settled.JSEventListeners,
      profile: profileResult,
      traceEvents,
    };
  } finally {
    await closeChromium(browser);
  }
}

// --- trace: the long tasks ------------------------------------------------------

// The main thread's tasks over 50 ms in a trace, each with the events inside it
// that took the most time (self time, by name), longest task first.
function longTasks(events) {
  const main = events.find((e) => e.name === "thread_name" && e.args && e.args.name === "CrRendererMain");
  if (!main) return ["no renderer main thread in the trace"];
  const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === "X" && e.dur != null)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const tasks = onMain.filter((e) => e.name === "RunTask" && e.dur > 50000).sort((a, b) => b.dur - a.dur).slice(0, 5);
  const t0 = onMain.length ? onMain[0].ts : 0;
  return tasks.map((task) => {
    const inside = onMain.filter((e) => e !== task && e.ts >= task.ts && e.ts + e.dur <= task.ts + task.dur);
    // Self time: each event's duration less its direct children's.
    const self = new Map();
    const stack = [];
    for (const e of inside) {
      while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
      const parent = stack[stack.length - 1];
      const label = e.name === "FunctionCall" || e.name === "EventDispatch"
        ? `${e.name}(${(e.args && e.args.data && (e.args.data.type || e.args.data.functionName)) || ""})` : e.name;
      self.set(label, (self.get(label) || 0) + e.dur);
      if (parent) self.set(parent.label, (self.get(parent.label) || 0) - e.dur);
      e.label = label;
      stack.push(e);
    }
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(", ");
    return `task of ${(task.dur / 1000).toFixed(0)} ms at ${((task.ts - t0) / 1000).toFixed(0)} ms: ${top}`;
  });
}

// --- profile: top self time -----------------------------------------------------

function topSelf(profile, limit = 20) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const d = (timeDeltas[i + 1] !== undefined ? timeDeltas[i + 1] : 0) / 1000;
    dt.set(samples[i], (dt.get(samples[i]) || 0) + d);
  }
  const agg = new Map();
  let total = 0;
  for (const [id, ms] of dt) {
    const node = byId.get(id);
    const cf = node.callFrame;
    const file = cf.url ? cf.url.split("/").pop().split("?")[0] : "";
    const key = `${cf.functionName || "(anonymous)"}${file ? ` ${file}` : ""}`;
    agg.set(key, (agg.get(key) || 0) + ms);
    total += ms;
  }
  const idle = agg.get("(idle)") || 0;
  const program = agg.get("(program)") || 0;
  const gc = agg.get("(garbage collector)") || 0;
  const rows = [...agg.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit);
  return { total, idle, program, gc, rows };
}

// --- dist size ---------------------------------------------------------------------

function distSizes() {
  const files = fs.readdirSync(DIST).filter((f) => fs.statSync(path.join(DIST, f)).isFile()).sort();
  return files.map((f) => {
    const full = path.join(DIST, f);
    const raw = fs.statSync(full).size;
    let gz;
    try {
      gz = execFileSync("gzip", ["-9", "-c", full], { maxBuffer: 1 << 30 }).length;
    } catch {
      gz = zlib.gzipSync(fs.readFileSync(full), { level: 9 }).length;
    }
    return { file: f, raw, gz };
  });
}

// --- report ----------------------------------------------------------------------------

const fmtInt = (x) => (x == null ? "–" : Math.round(x).toLocaleString("en-US"));
const fmtMB = (x) => (x == null ? "–" : (x / 1048576).toFixed(1));
const fmtKB = (x) => (x / 1024).toFixed(1);
const fmtRatio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : "–");
const caseName = ({ n, p, via, cpu = 1 }) =>
  `${fmtInt(n)} × ${p >= 1024 && p % 1024 === 0 ? `${p / 1024} KiB` : `${p} B`}${via === "bridge" ? " (bridge)" : ""}${cpu > 1 ? `, CPU ${cpu}× slower` : ""}`;

function report(results, sizes, profileTop, load) {
  const lines = [];
  lines.push(`${ROUNDS} round(s) per page and flood, pages alternating (the first page rotates per round); medians. Load average (1 min) at start ${load.start.toFixed(1)}, at end ${load.end.toFixed(1)} on ${os.cpus().length} cores.`);
  lines.push("");
  lines.push("| flood (QoS 0) | page | messages/s | app ÷ page | main-thread CPU per message (µs) | longest task during flood (ms): median (worst) | JS heap after (MB) | wasm memory (MB) | received |");
  lines.push("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const groups = new Map();
  for (const r of results) {
    const key = `${r.key}|${r.page}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const cases = [...CASES, ...BIG.filter((b) => !CASES.some((c) => c.key === b.key))];
  const summary = {};
  const floodRates = [];
  for (const c of cases) {
    const rateOf = (page) => median((groups.get(`${c.key}|${page}`) || []).map((r) => r.rate));
    for (const page of PAGES) {
      const rs = groups.get(`${c.key}|${page}`);
      if (!rs) continue;
      const rate = rateOf(page);
      const lt = rs.map((r) => r.longestTaskMs);
      const ltText = `${fmtInt(median(lt))} (${fmtInt(Math.max(...lt))})`;
      const ratio = page === "app" ? "–" : fmtRatio(rateOf("app"), rate);
      const cpu = median(rs.map((r) => (r.metrics.TaskDuration * 1e6) / r.n));
      const recv = rs.map((r) => r.received);
      const recvText = recv.every((x) => x === c.n + 1) ? `all ${fmtInt(c.n + 1)}` : recv.map(fmtInt).join(" / ");
      lines.push(
        `| ${caseName(c)}${rs.length < ROUNDS ? ` (${rs.length} run${BIG.includes(c) && BIG_KEEPALIVE != null ? `, app keep alive ${BIG_KEEPALIVE}` : ""})` : ""} | ${LABEL[page]} | ${fmtInt(rate)} | ${ratio} | ${cpu == null ? "–" : cpu.toFixed(1)} | ${ltText} | ${fmtMB(median(rs.map((r) => r.heapUsed)))} | ${page === "app" ? fmtMB(median(rs.map((r) => r.wasmBytes))) : "–"} | ${recvText} |`,
      );
      summary[`${c.key}|${page}`] = { rate, cpuUsPerMessage: cpu, longest: Math.max(...lt), heap: median(rs.map((r) => r.heapUsed)), wasm: median(rs.map((r) => r.wasmBytes)) };
      floodRates.push(...rs.map((r) => [caseName(c), r.floodRate]));
    }
  }
  lines.push("");
  const byCase = new Map();
  for (const [c, r] of floodRates) byCase.set(c, [...(byCase.get(c) || []), r]);
  lines.push(`Flood publisher (codec/examples/flood.rs) send rate into mosquitto, median: ${[...byCase].map(([c, rs]) => `${c}: ${fmtInt(median(rs))} msg/s`).join("; ")}.`);
  lines.push("");
  for (const c of BIG) {
    const r = (groups.get(`${c.key}|app`) || [])[0];
    if (!r || !r.trace || r.trace.length === 0) continue;
    const points = [];
    for (const q of [0.1, 0.25, 0.5, 0.75]) {
      const hit = r.trace.find(([got]) => got != null && got >= q * c.n);
      if (hit) points.push(`${fmtInt(hit[0])}: ${fmtMB(hit[1])} MB`);
    }
    points.push(`${fmtInt(r.received)}: ${fmtMB(r.wasmBytes)} MB`);
    lines.push(`App's wasm memory during the ${caseName(c)} run (messages shown in the feed's count: memory): ${points.join("; ")}.`);
    lines.push("");
  }
  lines.push("Main-thread CPU during the flood (Performance.getMetrics in thread time, median, ms):");
  lines.push("");
  lines.push("| flood | page | script | layout | style recalc | all tasks | first message → done (wall) |");
  lines.push("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const c of cases) {
    for (const page of PAGES) {
      const rs = groups.get(`${c.key}|${page}`);
      if (!rs) continue;
      const m = (k) => fmtInt(median(rs.map((r) => r.metrics[k] * 1000)));
      lines.push(`| ${caseName(c)} | ${LABEL[page]} | ${m("ScriptDuration")} | ${m("LayoutDuration")} | ${m("RecalcStyleDuration")} | ${m("TaskDuration")} | ${fmtInt(median(rs.map((r) => r.elapsedMs)))} |`);
    }
  }
  lines.push("");
  lines.push("dist/ as served:");
  lines.push("");
  lines.push("| file | bytes | gzip -9 |");
  lines.push("| --- | ---: | ---: |");
  let raw = 0;
  let gz = 0;
  for (const s of sizes) {
    lines.push(`| ${s.file} | ${fmtInt(s.raw)} | ${fmtInt(s.gz)} |`);
    raw += s.raw;
    gz += s.gz;
  }
  lines.push(`| **total** | **${fmtInt(raw)}** (${fmtKB(raw)} KiB) | **${fmtInt(gz)}** (${fmtKB(gz)} KiB) |`);
  summary.dist = { raw, gz };
  if (profileTop) {
    const { total, idle, program, gc } = profileTop;
    const js = total - idle - program - gc;
    lines.push("");
    lines.push(`One profiled app run (${caseName(PROFILE_CASE)}, CDP Profiler, 200 µs sampling, not in the figures above): ${fmtInt(total)} ms sampled: idle ${fmtInt(idle)}, native browser work outside JS and wasm ("(program)": WebSocket delivery, DOM, style, layout, paint) ${fmtInt(program)}, GC ${fmtInt(gc)}, JS and wasm ${fmtInt(js)}. Top self time in JS and wasm:`);
    lines.push("");
    lines.push("| function | self ms | share of JS + wasm |");
    lines.push("| --- | ---: | ---: |");
    let shown = 0;
    for (const [name, ms] of profileTop.rows) {
      if (/^\((idle|program|garbage collector)\)/.test(name) || shown >= 15) continue;
      shown++;
      const short = name.replace(/::h[0-9a-f]{16}/g, "").replace(/\[[0-9a-f]{16}\]/g, "").replace(/ webmqtt-app-[0-9a-f]+(_bg)?\.(js|wasm)$/, (m) => (m.endsWith(".wasm") ? " (wasm)" : " (js glue)"));
      lines.push(`| \`${short.replace(/\|/g, "\\|")}\` | ${fmtInt(ms)} | ${((100 * ms) / Math.max(1, js)).toFixed(1)}% |`);
    }
  }
  return { text: lines.join("\n"), summary };
}

// --- main ---------------------------------------------------------------------------------

async function main() {
  for (const [what, p] of [["flood publisher", FLOOD_BIN], ["dist/index.html", path.join(DIST, "index.html")], ["MQTT.js bundle", path.join(HERE, "node_modules/mqtt/dist/mqtt.min.js")], ["chromium", CHROMIUM]]) {
    if (!fs.existsSync(p)) throw new Error(`${what} not found: ${p} (run bash bench/browser/run.sh)`);
  }
  fs.mkdirSync(OUT, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "webmqtt-browser-bench-"));
  tmpDirs.add(tmp);
  const server = await startServer();
  const base = `http://127.0.0.1:${server.address().port}`;
  let broker = null;
  let bridge = null;
  const results = [];
  let profileTop = null;
  const loadStart = os.loadavg()[0];
  try {
    broker = await startMosquitto(tmp);
    bridge = await startBridge(broker.tcp);
    broker.bridge = bridge.address().port;
    log(`WebSocket-to-TCP bridge: ws 127.0.0.1:${broker.bridge} -> mqtt 127.0.0.1:${broker.tcp}`);
    for (const c of CASES) {
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate, and rotate who goes first, so drift hits every page alike.
        const order = PAGES.map((_, i) => PAGES[(i + round) % PAGES.length]);
        for (const page of order) {
          log(`${caseName(c)}: round ${round + 1}/${ROUNDS}: ${page}`);
          // A picture of each page after its first flood of each case.
          const screenshot = round === 0 ? path.join(OUT, `${page}-${c.key.replace(/[^0-9a-z]+/gi, "-")}.png`) : null;
          const r = await runOnce({ tmp, base, broker, page, c, screenshot });
          log(`  ${fmtInt(r.rate)} msg/s, ${fmtInt(r.elapsedMs)} ms, main-thread CPU ${((r.metrics.TaskDuration * 1e6) / r.n).toFixed(1)} µs/msg, longest task ${fmtInt(r.longestTaskMs)} ms${r.longestTaskAt == null ? "" : ` at +${fmtInt(r.longestTaskAt)} ms`} (${r.longTasks} over 50 ms), heap ${fmtMB(r.heapUsed)} MB, wasm ${fmtMB(r.wasmBytes)} MB, received ${r.received}${r.longtaskError ? `, longtask: ${r.longtaskError}` : ""}`);
          for (const f of r.longestFrames || [])
            log(`    frame ${fmtInt(f.duration)} ms at +${fmtInt(f.start - r.firstAt)} ms: render ${fmtInt(f.render)} (style and layout ${fmtInt(f.styleAndLayout)}), scripts ${f.scripts.map(([i, d]) => `${i} ${d}`).join(", ")}`);
          results.push(r);
        }
      }
    }
    for (const c of BIG) {
      log(`${caseName(c)}: app only`);
      const r = await runOnce({ tmp, base, broker, page: "app", c, keepAlive: BIG_KEEPALIVE });
      log(`  ${fmtInt(r.rate)} msg/s, longest task ${fmtInt(r.longestTaskMs)} ms, heap ${fmtMB(r.heapUsed)} MB, wasm ${fmtMB(r.wasmBytes)} MB, received ${r.received}`);
      results.push(r);
    }
    if (PROFILE) {
      for (const page of PROFILE_PAGES) {
        log(`profiling one ${page} run (${caseName(PROFILE_CASE)})`);
        const r = await runOnce({ tmp, base, broker, page, c: PROFILE_CASE, profile: true });
        const top = topSelf(r.profile, 25);
        if (page === "app") profileTop = top;
        fs.writeFileSync(path.join(OUT, `${page}.cpuprofile`), JSON.stringify(r.profile));
        if (TRACE) {
          fs.writeFileSync(path.join(OUT, `${page}.trace.json`), JSON.stringify({ traceEvents: r.traceEvents }));
          for (const line of longTasks(r.traceEvents)) log(`  ${page}: ${line}`);
        }
        log(`  ${page}: ${fmtInt(r.rate)} msg/s while profiled; sampled ${fmtInt(top.total)} ms: idle ${fmtInt(top.idle)}, native (program) ${fmtInt(top.program)}, GC ${fmtInt(top.gc)}, JS/wasm ${fmtInt(top.total - top.idle - top.program - top.gc)}`);
      }
    }
  } finally {
    if (broker) {
      const dropped = fs.existsSync(broker.logFile) && /dropped/i.test(fs.readFileSync(broker.logFile, "utf8"));
      if (dropped) log("warning: mosquitto says it dropped messages (see its log)");
      await stop(broker.entry);
    }
    if (bridge) {
      for (const client of bridge.clients) client.terminate();
      bridge.close();
    }
    server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const load = { start: loadStart, end: os.loadavg()[0] };
  const { text, summary } = report(results, distSizes(), profileTop, load);
  fs.writeFileSync(path.join(OUT, "results.json"), JSON.stringify(results.map(({ profile, ...r }) => r), null, 2));
  fs.writeFileSync(path.join(OUT, "summary.json"), JSON.stringify(summary, null, 2));
  fs.writeFileSync(path.join(OUT, "table.md"), text + "\n");
  console.log(text);
}

main().catch((e) => {
  log(`error: ${e && e.stack ? e.stack : e}`);
  stopAllSync();
  process.exit(1);
});
