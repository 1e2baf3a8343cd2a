#!/usr/bin/env node
// First-load benchmark: run through `bash bench/browser/run-first-load.sh`. Not a test.
//
// The time from navigation to a usable Connect button, on a throttled network
// (CDP Network.emulateNetworkConditions: 1.6 Mbit/s down, 750 kbit/s up, 150 ms
// round trip; Lighthouse's "slow 4G") with a 4x CPU slowdown
// (Emulation.setCPUThrottlingRate), for two pages served by one local server:
//   app     the built app (dist/), under /webmqtt/: usable when #connect is there
//           and enabled (the wasm has started and rendered the form);
//   mqttjs  MQTT.js's browser bundle (bench/browser/node_modules/mqtt/dist/mqtt.min.js)
//           and a minimal form (pages/first-load-mqttjs.*), under /mqttjs/: usable
//           when the bundle has run and enabled #connect.
// Each run: a fresh Chromium profile; "cold" is the first visit (empty caches), then
// (the app's service worker installed and in control) "warm" is a second visit in the
// same browser: the app from its service worker, MQTT.js's page from the HTTP cache.
// Beside it, the time until the whole first screen is drawn: the app draws its
// connection form first and the rest once the browser has shown the form. And, on a
// cold visit, when the last byte of the files fetched until the button was usable
// arrived (Resource Timing's responseEnd): what came after it is the page starting.
// Pages alternate per run; the median of RUNS runs is reported.
//
// The server behaves like a static host such as GitHub Pages: gzip (level 9) when
// the browser accepts it, ETag and If-None-Match (304), Cache-Control: max-age=600.
// The time is read in the page (performance.now(), whose origin is the navigation's
// start) by a MutationObserver installed before any page script.
//
// Environment: RUNS (default 5), DIST (default dist/), OUT (default
// target/webmqtt-bench/first-load), CHROMIUM (default /usr/bin/chromium),
// PAGES (default app,mqttjs), DOWN_KBPS=1600, UP_KBPS=750, RTT_MS=150, CPU=4,
// WARM_WAIT_MS=5000 (between the cold visit, once the app's worker is in control, and
// the warm one), TRACE=warm or 1 (each page's warm visits are recorded as a Chrome
// trace, the last kept as PAGE-warm.trace.json in OUT, and its main-thread tasks are
// logged), TRACE=cold (the same for the cold visits: PAGE-cold.trace.json).
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const http = require("http");
const os = require("os");
const path = require("path");
const zlib = require("zlib");
const { spawn } = require("child_process");
const { Cdp, httpGetJson, waitFor } = require("./cdp");

const ROOT = path.resolve(__dirname, "..", "..");
const HERE = __dirname;
const env = process.env;
const RUNS = Math.max(1, Number(env.RUNS || 5));
const DIST = path.resolve(env.DIST || path.join(ROOT, "dist"));
const OUT = path.resolve(env.OUT || path.join(ROOT, "target/webmqtt-bench/first-load"));
const CHROMIUM = env.CHROMIUM || "/usr/bin/chromium";
const PAGES = (env.PAGES || "app,mqttjs").split(",").filter(Boolean);
const DOWN_KBPS = Number(env.DOWN_KBPS || 1600);
const UP_KBPS = Number(env.UP_KBPS || 750);
const RTT_MS = Number(env.RTT_MS || 150);
const CPU = Number(env.CPU || 4);
const WARM_WAIT_MS = Number(env.WARM_WAIT_MS || 5000);
const MQTTJS_DIR = path.join(HERE, "node_modules", "mqtt", "dist");
const MQTTJS_VERSION = require(path.join(HERE, "node_modules", "mqtt", "package.json")).version;
const LABEL = { app: "app (dist/)", mqttjs: `MQTT.js ${MQTTJS_VERSION} + form` };
const PATHS = { app: "/webmqtt/", mqttjs: "/mqttjs/" };
const LOAD_TIMEOUT_MS = 180000;
// "warm" (or "1", as before): the last warm visit traced; "cold": the last cold one.
const TRACE = env.TRACE === "1" ? "warm" : env.TRACE || "";

const log = (...a) => console.error("[first-load]", ...a);
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

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// TERM, then KILL, to the process group of a child we started (detached).
async function stop(child) {
  if (!child) return;
  for (const [sig, waitMs] of [["SIGTERM", 5000], ["SIGKILL", 3000]]) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      process.kill(-child.pid, sig);
    } catch {
      try {
        process.kill(child.pid, sig);
      } catch {}
    }
    for (let waited = 0; waited < waitMs && alive(child.pid) && child.exitCode === null; waited += 50) await sleep(50);
  }
  children.delete(child);
}

function stopAllSync() {
  for (const child of children) {
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


// --- the static server ----------------------------------------------------------

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};
const COMPRESS = new Set([".html", ".js", ".css", ".wasm", ".json", ".webmanifest", ".svg"]);

// URL path -> file, for both pages.
function resolveFile(pathname) {
  if (pathname.startsWith(PATHS.app)) {
    const rel = pathname.slice(PATHS.app.length) || "index.html";
    const file = path.resolve(DIST, rel);
    return file.startsWith(DIST + path.sep) ? file : null;
  }
  if (pathname.startsWith(PATHS.mqttjs)) {
    const rel = pathname.slice(PATHS.mqttjs.length) || "index.html";
    if (rel === "index.html") return path.join(HERE, "pages", "first-load-mqttjs.html");
    if (rel === "first-load-mqttjs.js") return path.join(HERE, "pages", "first-load-mqttjs.js");
    if (rel === "mqtt.min.js") return path.join(MQTTJS_DIR, "mqtt.min.js");
  }
  return null;
}

// Every file read once: its bytes, gzip -9, ETag.
const fileCache = new Map();
function load(file) {
  let f = fileCache.get(file);
  if (!f) {
    const raw = fs.readFileSync(file);
    const ext = path.extname(file);
    f = {
      raw,
      gz: COMPRESS.has(ext) ? zlib.gzipSync(raw, { level: 9 }) : null,
      etag: `"${crypto.createHash("sha1").update(raw).digest("hex").slice(0, 20)}"`,
      type: TYPES[ext] || "application/octet-stream",
    };
    fileCache.set(file, f);
  }
  return f;
}

function startServer(served) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const file = resolveFile(decodeURIComponent(url.pathname));
    if (req.method !== "GET" || !file || !fs.existsSync(file)) {
      res.writeHead(404, { "Content-Type": "text/plain" });
      return res.end("not found");
    }
    const f = load(file);
    const headers = { "Content-Type": f.type, "Cache-Control": "max-age=600", ETag: f.etag, Vary: "Accept-Encoding" };
    if (req.headers["if-none-match"] === f.etag) {
      served.push({ path: url.pathname, status: 304, bytes: 0 });
      res.writeHead(304, headers);
      return res.end();
    }
    let body = f.raw;
    if (f.gz && /\bgzip\b/.test(req.headers["accept-encoding"] || "")) {
      headers["Content-Encoding"] = "gzip";
      body = f.gz;
    }
    headers["Content-Length"] = body.length;
    served.push({ path: url.pathname, status: 200, bytes: body.length });
    res.writeHead(200, headers);
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// --- Chromium over CDP (as in bench.js) -------------------------------------------



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
  children.add(child);
  child.on("exit", () => children.delete(child));
  try {
    const portFile = path.join(profile, "DevToolsActivePort");
    const port = await waitFor("DevToolsActivePort", () => {
      if (child.exitCode !== null) throw new Error(`chromium exited: ${fs.readFileSync(logFile, "utf8").slice(-2000)}`);
      if (!fs.existsSync(portFile)) return null;
      return Number(fs.readFileSync(portFile, "utf8").split("\n")[0]) || null;
    }, 30000);
    const page = await waitFor("a page target", async () => {
      const list = await httpGetJson(port, "/json/list").catch(() => []);
      return list.find((t) => t.type === "page");
    }, 10000);
    const cdp = await Cdp.connect(page.webSocketDebuggerUrl);
    return { child, cdp, profile };
  } catch (e) {
    await stop(child);
    throw e;
  }
}

async function closeChromium(browser) {
  if (!browser) return;
  browser.cdp.close();
  await stop(browser.child);
  fs.rmSync(browser.profile, { recursive: true, force: true });
}

// Installed before any page script: the time (performance.now(), from the start of
// the navigation) at which #connect is in the page, laid out and enabled ("ready"),
// and at which the whole first screen is drawn ("drawn"): the app draws its
// connection form first and the rest (feed, subscriptions, publish form; its
// #publish-topic) after that form is shown; MQTT.js's page is all one form.
const PROBE = `(() => {
  const b = (window.__firstLoad = { ready: null, drawn: null, lastByte: null });
  const whole = () => !document.querySelector(".workspace") || document.getElementById("publish-topic");
  const check = () => {
    if (b.ready === null) {
      const el = document.getElementById("connect");
      if (el && !el.disabled && el.getClientRects().length > 0) {
        b.ready = performance.now();
        // When the last byte of the files fetched until then arrived: the rest of the
        // time to a usable button is the page starting (compiling, running, drawing).
        b.lastByte = Math.max(0, ...performance.getEntriesByType("resource").map((e) => e.responseEnd));
      }
    }
    if (b.ready !== null && b.drawn === null && whole()) b.drawn = performance.now();
    if (b.drawn !== null) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["disabled"] });
})();`;

// Navigates and waits (bounded) until the page's Connect button is usable. Returns
// { ms, bytes, requests }: the time, and what the page fetched over the network
// until then (encoded bytes, from the Network domain; the service worker's own
// fetches are not the page's).
async function visit(cdp, url) {
  const net = new Map();
  let counting = true;
  const onSent = (p) => counting && net.set(p.requestId, { url: p.request.url, bytes: 0, done: false, fromSw: false });
  const onResp = (p) => {
    const r = net.get(p.requestId);
    if (r && (p.response.fromServiceWorker || p.response.fromDiskCache)) r.fromSw = true;
  };
  const onDone = (p) => {
    const r = net.get(p.requestId);
    if (r && counting) {
      r.bytes = p.encodedDataLength;
      r.done = true;
    }
  };
  cdp.on("Network.requestWillBeSent", onSent);
  cdp.on("Network.responseReceived", onResp);
  cdp.on("Network.loadingFinished", onDone);
  await cdp.send("Page.navigate", { url });
  const probe = async (key) => {
    const v = await cdp.eval(`location.href === ${JSON.stringify(url)} && window.__firstLoad ? window.__firstLoad.${key} : null`).catch(() => null);
    return v == null ? null : v;
  };
  const ms = await waitFor(`a usable Connect button at ${url}`, () => probe("ready"), LOAD_TIMEOUT_MS, 50);
  const drawnMs = await waitFor(`the whole first screen at ${url}`, () => probe("drawn"), LOAD_TIMEOUT_MS, 50);
  const lastByteMs = await probe("lastByte");
  counting = false;
  cdp.listeners.set("Network.requestWillBeSent", []);
  cdp.listeners.set("Network.responseReceived", []);
  cdp.listeners.set("Network.loadingFinished", []);
  const reqs = [...net.values()];
  const fromNetwork = reqs.filter((r) => !r.fromSw);
  return {
    ms,
    drawnMs,
    lastByteMs,
    bytes: fromNetwork.reduce((s, r) => s + r.bytes, 0),
    requests: fromNetwork.length,
    total: reqs.length,
    paths: fromNetwork.map((r) => new URL(r.url).pathname),
  };
}

async function throttle(cdp) {
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: RTT_MS,
    downloadThroughput: (DOWN_KBPS * 1000) / 8,
    uploadThroughput: (UP_KBPS * 1000) / 8,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU });
}

// One fresh browser: a cold visit, then (once the app's service worker controls
// the page; nothing to wait for on MQTT.js's page) a warm one.
async function runPage(tmp, page, origin) {
  const url = origin + PATHS[page];
  const browser = await launchChromium(tmp);
  try {
    const { cdp } = browser;
    await cdp.send("Page.enable");
    await cdp.send("Runtime.enable");
    await cdp.send("Page.addScriptToEvaluateOnNewDocument", { source: PROBE });
    await throttle(cdp);
    const cold = TRACE === "cold" ? await tracedVisit(cdp, url, page, "cold") : await visit(cdp, url);
    if (page === "app") {
      await waitFor("the service worker to control the app", () =>
        cdp.eval("!!(navigator.serviceWorker && navigator.serviceWorker.controller)").catch(() => false), 120000, 200);
    }
    // Some time for the browser to store what it compiled (V8's code cache).
    await sleep(WARM_WAIT_MS);
    await cdp.send("Page.navigate", { url: "about:blank" });
    await sleep(300);
    if (TRACE !== "warm") return { cold, warm: await visit(cdp, url) };
    const warm = await tracedVisit(cdp, url, page, "warm");
    return { cold, warm };
  } finally {
    await closeChromium(browser);
  }
}

// A visit recorded as a Chrome trace (PAGE-KIND.trace.json in OUT), its main-thread
// tasks logged.
async function tracedVisit(cdp, url, page, kind) {
  const traceEvents = [];
  cdp.on("Tracing.dataCollected", (d) => traceEvents.push(...d.value));
  await cdp.send("Tracing.start", {
    categories: "toplevel,devtools.timeline,v8.execute,v8.wasm,disabled-by-default-v8.compile",
    transferMode: "ReportEvents",
  });
  const result = await visit(cdp, url);
  const complete = new Promise((resolve) => cdp.on("Tracing.tracingComplete", resolve));
  await cdp.send("Tracing.end");
  await Promise.race([complete, sleep(60000)]);
  cdp.listeners.set("Tracing.dataCollected", []);
  fs.writeFileSync(path.join(OUT, `${page}-${kind}.trace.json`), JSON.stringify({ traceEvents }));
  for (const line of mainThreadTasks(traceEvents, result.ms)) log(`  ${page} ${kind}: ${line}`);
  return result;
}

// The page's main-thread work until it was usable (`untilMs` after the trace began,
// just before the navigation): each top-level event over 5 ms with what took most
// of its time, then the totals of what the page's start is made of.
function mainThreadTasks(events, untilMs) {
  const names = events.filter((e) => e.name === "thread_name" && e.args && e.args.name === "CrRendererMain");
  // The last renderer main thread named: the page's.
  const main = names[names.length - 1];
  if (!main) return ["no renderer main thread in the trace"];
  const on = events
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === "X" && e.dur != null)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  if (on.length === 0) return ["no events on the main thread"];
  const t0 = on[0].ts;
  const end = t0 + untilMs * 1000;
  const top = [];
  for (const e of on) {
    const last = top[top.length - 1];
    if (!last || e.ts >= last.ts + last.dur) top.push(e);
  }
  const lines = top
    .filter((t) => t.ts <= end && t.dur > 5000)
    .map((t) => {
      const inside = on.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur && e.dur > 2000);
      const what = inside
        .sort((a, b) => b.dur - a.dur)
        .slice(0, 6)
        .map((e) => `${e.name} ${(e.dur / 1000).toFixed(1)}`)
        .join(", ");
      return `+${((t.ts - t0) / 1000).toFixed(0)} ms ${t.name}: ${(t.dur / 1000).toFixed(1)} ms (${what})`;
    });
  const total = (name) => {
    const hits = on.filter((e) => e.name === name && e.ts <= end);
    return `${name} ${hits.length}× ${(hits.reduce((s, e) => s + e.dur, 0) / 1000).toFixed(1)} ms`;
  };
  lines.push(["wasm.CompileLazy", "Layout", "UpdateLayoutTree", "EvaluateScript", "FunctionCall"].map(total).join(", "));
  return lines;
}

// --- main ------------------------------------------------------------------------------

function fmtMs(v) {
  return v == null ? "–" : `${Math.round(v)}`;
}
function fmtRatio(a, b) {
  return a == null || b == null || b === 0 ? "–" : `${(a / b).toFixed(2)}×`;
}
const kb = (n) => (n / 1024).toFixed(1);

// What a page loads (the paths it fetched on a cold visit), raw and gzip -9.
function sizesTable(paths) {
  const rows = [];
  for (const page of PAGES) {
    const seen = new Set();
    let raw = 0;
    let gz = 0;
    for (const p of paths[page]) {
      if (seen.has(p)) continue;
      seen.add(p);
      const file = resolveFile(p);
      if (!file) continue;
      const f = load(file);
      const g = f.gz ? f.gz.length : f.raw.length;
      raw += f.raw.length;
      gz += g;
      const name = p.slice(PATHS[page].length) || "index.html";
      rows.push(`| ${LABEL[page]} | \`${name}\` | ${kb(f.raw.length)} | ${kb(g)} |`);
    }
    rows.push(`| ${LABEL[page]} | **all** | **${kb(raw)}** | **${kb(gz)}** |`);
  }
  return ["| page | file | raw KiB | gzip -9 KiB |", "| --- | --- | ---: | ---: |", ...rows].join("\n");
}

async function main() {
  if (PAGES.includes("app") && !fs.existsSync(path.join(DIST, "index.html"))) throw new Error(`${DIST}/index.html is missing: trunk build --release`);
  if (!fs.existsSync(path.join(MQTTJS_DIR, "mqtt.min.js"))) throw new Error("MQTT.js is missing: npm ci in bench/browser");
  fs.mkdirSync(OUT, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "webmqtt-first-load-"));
  tmpDirs.add(tmp);
  const served = [];
  const server = await startServer(served);
  const origin = `http://127.0.0.1:${server.address().port}`;
  log(`server ${origin}; ${RUNS} runs per page; network ${DOWN_KBPS} kbit/s down, ${UP_KBPS} kbit/s up, ${RTT_MS} ms RTT; CPU ${CPU}x slower`);
  const results = Object.fromEntries(PAGES.map((p) => [p, []]));
  const coldPaths = Object.fromEntries(PAGES.map((p) => [p, []]));
  // Everything the server sent in the first run of each page: page, service worker, both visits.
  const serverTotals = Object.fromEntries(PAGES.map((p) => [p, []]));
  try {
    for (let run = 0; run < RUNS; run++) {
      // Alternate which page goes first.
      const order = run % 2 ? [...PAGES].reverse() : PAGES;
      for (const page of order) {
        const before = served.length;
        const r = await runPage(tmp, page, origin);
        if (run === 0) {
          coldPaths[page] = r.cold.paths;
          serverTotals[page] = served.slice(before);
        }
        results[page].push(r);
        log(`run ${run + 1}/${RUNS} ${page}: cold ${fmtMs(r.cold.ms)} ms (last byte ${fmtMs(r.cold.lastByteMs)}; all drawn ${fmtMs(r.cold.drawnMs)}; ${kb(r.cold.bytes)} KiB, ${r.cold.requests} requests), ` +
          `warm ${fmtMs(r.warm.ms)} ms (all drawn ${fmtMs(r.warm.drawnMs)}; ${kb(r.warm.bytes)} KiB over the network, ${r.warm.requests} of ${r.warm.total} requests)`);
      }
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
  const med = (page, kind, key) => median(results[page].map((r) => r[kind][key]));
  const lines = [
    `First load, median of ${RUNS} runs: navigation to a usable Connect button; ` +
      `${DOWN_KBPS / 1000} Mbit/s down, ${UP_KBPS} kbit/s up, ${RTT_MS} ms RTT, CPU ${CPU}× slower (CDP); ` +
      `cold: fresh profile; warm: second visit (app: its service worker; MQTT.js: HTTP cache).`,
    "",
    "| page | cold ms | warm ms | cold: last byte, ms | cold: last byte → usable, ms | cold: whole screen drawn, ms | warm: whole screen drawn, ms | cold: transferred KiB (requests) | warm: over the network KiB (requests) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const startMs = (r) => (r.cold.ms == null || r.cold.lastByteMs == null ? null : r.cold.ms - r.cold.lastByteMs);
  const medStart = (page) => median(results[page].map(startMs));
  for (const page of PAGES) {
    lines.push(`| ${LABEL[page]} | ${fmtMs(med(page, "cold", "ms"))} | ${fmtMs(med(page, "warm", "ms"))} | ` +
      `${fmtMs(med(page, "cold", "lastByteMs"))} | ${fmtMs(medStart(page))} | ` +
      `${fmtMs(med(page, "cold", "drawnMs"))} | ${fmtMs(med(page, "warm", "drawnMs"))} | ` +
      `${kb(med(page, "cold", "bytes"))} (${med(page, "cold", "requests")}) | ${kb(med(page, "warm", "bytes"))} (${med(page, "warm", "requests")}) |`);
  }
  if (PAGES.includes("app") && PAGES.includes("mqttjs")) {
    const ratio = (kind, key) => fmtRatio(med("app", kind, key), med("mqttjs", kind, key));
    lines.push(`| app / MQTT.js | ${ratio("cold", "ms")} | ${ratio("warm", "ms")} | ${ratio("cold", "lastByteMs")} | ` +
      `${fmtRatio(medStart("app"), medStart("mqttjs"))} | ${ratio("cold", "drawnMs")} | ` +
      `${ratio("warm", "drawnMs")} | ${ratio("cold", "bytes")} | |`);
  }
  lines.push("", "What each page loads on a cold visit until its Connect button is usable (its own requests, not its service worker's):", "", sizesTable(coldPaths));
  lines.push("", "All the server sent in each page's first run (both visits, and the app's service worker installing):", "");
  for (const page of PAGES) {
    const all = serverTotals[page];
    const bytes = all.reduce((sum, x) => sum + x.bytes, 0);
    lines.push(`- ${LABEL[page]}: ${all.length} responses (${all.filter((x) => x.status === 304).length} of them 304), ${kb(bytes)} KiB of bodies`);
  }
  const table = lines.join("\n");
  fs.writeFileSync(path.join(OUT, "table.md"), table + "\n");
  fs.writeFileSync(path.join(OUT, "results.json"), JSON.stringify({ RUNS, DOWN_KBPS, UP_KBPS, RTT_MS, CPU, results }, null, 2));
  console.log(table);
  log(`also in ${path.join(OUT, "table.md")} (every run in results.json)`);
}

main().then(() => process.exit(0), (e) => {
  log("failed:", e && e.stack || e);
  process.exit(1);
});
