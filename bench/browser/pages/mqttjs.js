// MQTT.js reference page for the browser ingest benchmark (bench/browser).
// Connects with MQTT.js's browser bundle (global `mqtt`), subscribes to ?topic=,
// counts messages, and records the time the marker (?marker=) arrives. The
// driver reads window.__bench (set up by its injected script).
"use strict";
(() => {
  const p = new URLSearchParams(location.search);
  const b = window.__bench || (window.__bench = {});
  const marker = p.get("marker") || "bench/done";
  let count = 0;
  b.progress = () => count;
  const client = mqtt.connect(p.get("url"), {
    protocolVersion: 4,
    clean: true,
    keepalive: 60,
    reconnectPeriod: 0,
    clientId: "mqttjs-bench-" + Math.random().toString(16).slice(2, 10),
  });
  client.on("connect", () => {
    client.subscribe(p.get("topic") || "bench/#", { qos: 0 }, (err) => {
      if (err) b.error = String(err);
      else b.ready = true;
    });
  });
  client.on("message", (topic) => {
    count++;
    if (topic === marker && b.done == null) {
      b.done = performance.now();
      b.received = count;
    }
  });
  client.on("error", (e) => { b.error = String(e && e.message || e); });
  client.on("close", () => { if (b.done == null) b.error = b.error || "MQTT.js: connection closed"; });
})();
