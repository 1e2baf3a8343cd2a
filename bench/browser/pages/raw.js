// Raw WebSocket floor for the browser ingest benchmark (bench/browser): what any
// browser MQTT client must at least pay. No MQTT library: it sends a fixed
// CONNECT (3.1.1, client id "rawfloor", clean session, keep alive off) and a
// fixed SUBSCRIBE (bench/#, QoS 0), then only counts WebSocket messages and
// bytes. Done when ?bytes= bytes of PUBLISH packets (the flood and the marker,
// as the driver computed them) have arrived after CONNACK (4) and SUBACK (5).
"use strict";
(() => {
  const p = new URLSearchParams(location.search);
  const b = window.__bench || (window.__bench = {});
  const expected = 9 + Number(p.get("bytes"));
  const CONNECT = new Uint8Array([
    0x10, 0x14, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x00,
    0x00, 0x08, 0x72, 0x61, 0x77, 0x66, 0x6c, 0x6f, 0x6f, 0x72, // "rawfloor"
  ]);
  const SUBSCRIBE = new Uint8Array([
    0x82, 0x0c, 0x00, 0x01, 0x00, 0x07, 0x62, 0x65, 0x6e, 0x63, 0x68, 0x2f, 0x23, // "bench/#"
    0x00,
  ]);
  let frames = 0;
  let bytes = 0;
  b.progress = () => frames;
  const ws = new WebSocket(p.get("url"), "mqtt");
  ws.binaryType = "arraybuffer";
  ws.onopen = () => {
    ws.send(CONNECT);
    ws.send(SUBSCRIBE);
  };
  ws.onmessage = (e) => {
    frames++;
    bytes += e.data.byteLength;
    if (bytes >= 9) b.ready = true;
    if (bytes >= expected && b.done == null) {
      b.done = performance.now();
      b.received = frames;
      b.bytes = bytes;
    }
  };
  ws.onclose = (e) => { b.error = b.error || `closed: ${e.code}`; };
})();
