#!/usr/bin/env node
// Prints the benchmark table (markdown) from criterion's estimates and the node
// benchmark's results: node bench/report.js CRITERION_DIR NODE_RESULTS_JSON
//
// Native figures are criterion's median time per iteration (one iteration =
// PACKETS packets); wasm figures are the node benchmark's median over rounds.
// MB/s counts wire bytes, 1 MB = 10^6 bytes. Ratio = ours / theirs in packets/s
// (above 1: ours is faster).
'use strict';

const fs = require('fs');
const path = require('path');

const [criterionDir, nodeResults] = process.argv.slice(2);
if (!criterionDir || !nodeResults) {
    console.error('usage: node bench/report.js CRITERION_DIR NODE_RESULTS_JSON');
    process.exit(2);
}

const PACKETS = 256; // bench/src/lib.rs PACKETS_PER_BUFFER, bench/node/bench.js PACKETS
const TOPIC_LEN = 'sensors/room1/temperature'.length;
const CASES = [
    { name: '64B-qos0', label: '64 B', qos: 0, payload: 64 },
    { name: '64B-qos1', label: '64 B', qos: 1, payload: 64 },
    { name: '1KiB-qos0', label: '1 KiB', qos: 0, payload: 1024 },
    { name: '1KiB-qos1', label: '1 KiB', qos: 1, payload: 1024 },
];

// Wire bytes of one MQTT 3.1.1 PUBLISH of the case.
function frameLen(c) {
    const remaining = 2 + TOPIC_LEN + (c.qos ? 2 : 0) + c.payload;
    let lenBytes = 1;
    for (let x = remaining; x >= 128; x = Math.floor(x / 128)) lenBytes++;
    return 1 + lenBytes + remaining;
}

function criterionRate(group, bench, frame) {
    const file = path.join(criterionDir, group, bench, 'new', 'estimates.json');
    if (!fs.existsSync(file)) return null;
    const ns = JSON.parse(fs.readFileSync(file, 'utf8')).median.point_estimate;
    const pps = PACKETS / (ns / 1e9);
    return { pps, mbs: (pps * frame) / 1e6 };
}

const node = JSON.parse(fs.readFileSync(nodeResults, 'utf8'));
const nodeRow = (op, name) => node.results.find((r) => r.op === op && r.case === name);

const num = (x) => (x == null ? 'n/a' : Math.round(x).toLocaleString('en-US'));
const mb = (x) => (x == null ? 'n/a' : x.toFixed(1));
const ratio = (a, b) => (a && b ? `${(a.pps / b.pps).toFixed(2)}×` : 'n/a');

const lines = [];
lines.push(
    '| op | payload | QoS | ours native pkt/s | MB/s | mqttbytes pkt/s | MB/s | ratio | ours wasm (node) pkt/s | MB/s | mqtt-packet pkt/s | MB/s | ratio |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
);
const extra = [];
for (const op of ['decode', 'encode']) {
    for (const c of CASES) {
        const frame = frameLen(c);
        const group = `${op}-${c.name}`;
        const a = criterionRate(group, 'ours', frame);
        const b = criterionRate(group, 'mqttbytes', frame);
        const n = nodeRow(op, c.name);
        const w = n && { pps: n.ours.packets_per_s, mbs: n.ours.mb_per_s };
        const m = n && { pps: n.theirs.packets_per_s, mbs: n.theirs.mb_per_s };
        lines.push(
            `| ${op} | ${c.label} | ${c.qos} | ${num(a && a.pps)} | ${mb(a && a.mbs)} | ${num(b && b.pps)} | ${mb(b && b.mbs)} | ${ratio(a, b)} ` +
                `| ${num(w && w.pps)} | ${mb(w && w.mbs)} | ${num(m && m.pps)} | ${mb(m && m.mbs)} | ${ratio(w, m)} |`,
        );
        const f = op === 'decode' && criterionRate(group, 'ours-frames', frame);
        if (f) extra.push(`decode ${c.label} QoS ${c.qos}: ${num(f.pps)} pkt/s, ${mb(f.mbs)} MB/s (${ratio(f, b)} mqttbytes)`);
    }
}
console.log(lines.join('\n'));
if (extra.length) {
    console.log('\nNative, ours with Packet::decode on each frame of a shared buffer (zero-copy, no Decoder):');
    for (const e of extra) console.log(`- ${e}`);
}
console.log(
    `\nMQTT 3.1.1 PUBLISH, topic "sensors/room1/temperature", ${PACKETS} packets per iteration; MB/s = wire bytes / 10^6 per s; ` +
        `ratio = ours / theirs (above 1: ours faster). node ${node.meta.node}, mqtt-packet ${node.meta.mqtt_packet}.`,
);
