#!/usr/bin/env node
// webmqtt-codec compiled to wasm (./pkg, built by wasm-pack --target nodejs) against
// mqtt-packet, in one node process, on the same bytes: MQTT 3.1.1 PUBLISH, topic
// "sensors/room1/temperature", payloads of 64 B and 1 KiB, QoS 0 and QoS 1 (the
// workloads of bench/src/lib.rs).
//
// decode: a Buffer of PACKETS packets back to back.
//   ours:        decodePublishes(buffer, 4), one call per buffer (one copy into
//                wasm memory), then lastLengthSum() (topic + payload bytes).
//   mqtt-packet: parser.parse(buffer) on one reused parser, counting 'packet'
//                events and summing topic.length + payload.length.
// encode: PACKETS packets, one call each, the bytes read from JS as a Uint8Array.
//   ours:        encodePublishInPlace(topic, payload, qos, id, retain, dup, 4) from
//                ./ours.js: topic and payload written into a buffer in wasm memory,
//                encoded from there; returns a view of the bytes in wasm memory, valid
//                until the next call, as for ws.send(bytes).
//   ours-copy:   encodePublish(...) -> a new Uint8Array (reported, not in the table:
//                node's allocation of a fresh >64-byte typed array costs ~0.4 us).
//   mqtt-packet: generate({cmd: 'publish', ...}) -> Buffer (from node's pooled slab).
//
// Each round times every implementation once, alternating which goes first; the
// first round is a warm-up. Reported: the median over rounds of packets/s and MB/s
// (1 MB = 10^6 wire bytes), and ours/theirs.
//
// Environment: ROUNDS (default 7, plus the warm-up), ROUND_MS (time per
// implementation per round, default 400), RESULTS (a JSON file to write).
'use strict';

const path = require('path');
const fs = require('fs');
const mqtt = require('mqtt-packet');
const { encodePublishInPlace, wasm: ours } = require(path.join(__dirname, 'ours.js'));

const TOPIC = 'sensors/room1/temperature';
const PACKETS = 256;
const LEVEL = 4; // MQTT 3.1.1
const ROUNDS = Number(process.env.ROUNDS || 7);
const ROUND_MS = Number(process.env.ROUND_MS || 400);
const CASES = [
    { name: '64B-qos0', payloadLen: 64, qos: 0 },
    { name: '64B-qos1', payloadLen: 64, qos: 1 },
    { name: '1KiB-qos0', payloadLen: 1024, qos: 0 },
    { name: '1KiB-qos1', payloadLen: 1024, qos: 1 },
];

function payload(len) {
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) b[i] = (i * 31 + 7) & 0xff;
    return b;
}

const packetId = (i) => (i % 65535) + 1;

function theirPacket(c, id, pl) {
    return { cmd: 'publish', topic: TOPIC, payload: pl, qos: c.qos, messageId: c.qos ? id : undefined, retain: false, dup: false };
}

// The stream both decoders get, checked to be what both encoders write.
function stream(c) {
    const pl = payload(c.payloadLen);
    const parts = [];
    for (let i = 0; i < PACKETS; i++) {
        const a = Buffer.from(ours.encodePublish(TOPIC, pl, c.qos, packetId(i), false, false, LEVEL));
        const v = Buffer.from(encodePublishInPlace(TOPIC, pl, c.qos, packetId(i), false, false, LEVEL));
        const b = mqtt.generate(theirPacket(c, packetId(i), pl));
        if (!a.equals(b) || !v.equals(b)) throw new Error(`${c.name}: webmqtt-codec and mqtt-packet write different bytes`);
        parts.push(a);
    }
    return Buffer.concat(parts);
}

function makeImpls(c) {
    const buf = stream(c);
    const frameLen = buf.length / PACKETS;
    const pl = payload(c.payloadLen);
    const wantSum = PACKETS * (TOPIC.length + c.payloadLen);

    const parser = mqtt.parser({ protocolVersion: LEVEL });
    let count = 0;
    let sum = 0;
    parser.on('packet', (p) => {
        count++;
        sum += p.topic.length + p.payload.length;
    });
    parser.on('error', (e) => {
        throw e;
    });

    const theirs = theirPacket(c, 42, pl);
    return {
        frameLen,
        decode: {
            ours() {
                const n = ours.decodePublishes(buf, LEVEL);
                if (n !== PACKETS || ours.lastLengthSum() !== wantSum) throw new Error('ours: wrong decode');
            },
            theirs() {
                count = 0;
                sum = 0;
                parser.parse(buf);
                if (count !== PACKETS || sum !== wantSum) throw new Error('mqtt-packet: wrong decode');
            },
        },
        encode: {
            ours() {
                let total = 0;
                for (let i = 0; i < PACKETS; i++) {
                    total += encodePublishInPlace(TOPIC, pl, c.qos, 42, false, false, LEVEL).length;
                }
                if (total !== PACKETS * frameLen) throw new Error('ours: wrong encode');
            },
            'ours-copy'() {
                let total = 0;
                for (let i = 0; i < PACKETS; i++) total += ours.encodePublish(TOPIC, pl, c.qos, 42, false, false, LEVEL).length;
                if (total !== PACKETS * frameLen) throw new Error('ours-copy: wrong encode');
            },
            theirs() {
                let total = 0;
                for (let i = 0; i < PACKETS; i++) total += mqtt.generate(theirs).length;
                if (total !== PACKETS * frameLen) throw new Error('mqtt-packet: wrong encode');
            },
        },
    };
}

// Runs fn (one call = PACKETS packets) for about ROUND_MS; returns packets/s.
function timeRound(fn) {
    const budget = BigInt(ROUND_MS) * 1000000n;
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    do {
        for (let i = 0; i < 8; i++) fn();
        calls += 8;
        elapsed = process.hrtime.bigint() - start;
    } while (elapsed < budget);
    return (calls * PACKETS) / (Number(elapsed) / 1e9);
}

const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function main() {
    const results = [];
    console.log(`node ${process.version}; ${ROUNDS} rounds (+1 warm-up) of ~${ROUND_MS} ms per implementation; ${PACKETS} packets per call batch`);
    for (const c of CASES) {
        const impls = makeImpls(c);
        for (const op of ['decode', 'encode']) {
            const names = Object.keys(impls[op]);
            const rates = Object.fromEntries(names.map((n) => [n, []]));
            for (let r = 0; r <= ROUNDS; r++) {
                const order = r % 2 ? [...names].reverse() : names;
                for (const who of order) {
                    const rate = timeRound(impls[op][who]);
                    if (r > 0) rates[who].push(rate);
                }
            }
            const row = { op, case: c.name, frame_bytes: impls.frameLen };
            for (const who of names) {
                const pps = median(rates[who]);
                row[who] = { packets_per_s: pps, mb_per_s: (pps * impls.frameLen) / 1e6, rounds: rates[who] };
            }
            row.ratio = row.ours.packets_per_s / row.theirs.packets_per_s;
            results.push(row);
            const f = (x) => Math.round(x).toLocaleString('en-US');
            console.log(
                `${op} ${c.name.padEnd(9)}  wasm ${f(row.ours.packets_per_s).padStart(11)} pkt/s ${row.ours.mb_per_s.toFixed(1).padStart(7)} MB/s` +
                `  mqtt-packet ${f(row.theirs.packets_per_s).padStart(11)} pkt/s ${row.theirs.mb_per_s.toFixed(1).padStart(7)} MB/s` +
                `  ratio ${row.ratio.toFixed(2)}x` +
                (row['ours-copy'] ? `  (ours-copy ${f(row['ours-copy'].packets_per_s)} pkt/s, ${(row['ours-copy'].packets_per_s / row.theirs.packets_per_s).toFixed(2)}x)` : ''),
            );
        }
    }
    if (process.env.RESULTS) {
        const meta = { node: process.version, mqtt_packet: require('mqtt-packet/package.json').version, rounds: ROUNDS, round_ms: ROUND_MS, packets: PACKETS };
        fs.writeFileSync(process.env.RESULTS, JSON.stringify({ meta, results }, null, 2));
    }
}

main();
