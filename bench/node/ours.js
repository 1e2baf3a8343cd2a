// The JS side of webmqtt-codec's in-place PUBLISH encoder (codec/src/wasm.rs): it
// writes the topic and payload straight into a buffer in wasm memory, has the
// codec encode from there, and returns a view of the packet's bytes in wasm
// memory, valid until the next call (what a caller that hands the bytes to
// WebSocket.send needs). No allocation in wasm per call; one subarray in JS.
'use strict';

const path = require('path');
const wasm = require(path.join(__dirname, 'pkg', 'webmqtt_codec.js'));

const memory = wasm.wasmMemory();
const utf8 = new TextEncoder();
// A view of all of wasm memory, made again when growth detaches the old one.
let view = new Uint8Array(memory.buffer);
let inputPtr = 0;
let inputCapacity = 0;

function memoryView() {
    if (view.byteLength === 0) view = new Uint8Array(memory.buffer);
    return view;
}

// Writes `topic` as UTF-8 at `at`; returns the bytes written. ASCII, the usual
// topic, goes through a char-code loop, cheaper than encodeInto for short strings.
function writeTopic(mem, at, topic, room) {
    const n = topic.length;
    let i = 0;
    for (; i < n; i++) {
        const c = topic.charCodeAt(i);
        if (c > 0x7f) break;
        mem[at + i] = c;
    }
    if (i === n) return n;
    return i + utf8.encodeInto(topic.slice(i), mem.subarray(at + i, at + room)).written;
}

// One PUBLISH packet's bytes, viewed in wasm memory until the next call.
// Throws if the packet cannot be encoded (an invalid topic, a QoS > 0 with packet
// id 0, …), with the codec's message.
function encodePublishInPlace(topic, payload, qos, packetId, retain, dup, level) {
    const room = topic.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
    const need = room + payload.length;
    if (need > inputCapacity) {
        inputCapacity = Math.max(need, 2 * inputCapacity, 4096);
        inputPtr = wasm.inputBuffer(inputCapacity);
    }
    const mem = memoryView();
    const topicLen = writeTopic(mem, inputPtr, topic, room);
    mem.set(payload, inputPtr + topicLen);
    const len = wasm.encodePublishFromInput(topicLen, payload.length, qos, packetId, retain, dup, level);
    if (len === 0) throw new Error(wasm.lastError());
    const ptr = wasm.outputPtr();
    return memoryView().subarray(ptr, ptr + len);
}

module.exports = { encodePublishInPlace, wasm };
