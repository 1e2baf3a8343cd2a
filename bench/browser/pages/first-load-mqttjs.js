// The MQTT.js peer page of the first-load benchmark (bench/browser/first-load.js):
// once MQTT.js's bundle has run (global `mqtt`), the form's Connect button works.
"use strict";
(() => {
  const button = document.getElementById("connect");
  const status = document.getElementById("status");
  let client = null;
  document.getElementById("form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (client) client.end(true);
    status.textContent = "connecting";
    client = mqtt.connect(document.getElementById("broker-url").value, { reconnectPeriod: 0 });
    client.on("connect", () => (status.textContent = "connected"));
    client.on("error", (err) => (status.textContent = "error: " + err.message));
    client.on("close", () => (status.textContent = "disconnected"));
  });
  if (typeof mqtt.connect === "function") button.disabled = false;
})();
