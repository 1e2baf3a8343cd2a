// Shared machinery for the end-to-end tests: a throwaway mosquitto (started and
// stopped by pid, on free loopback ports), a throwaway CA and server certificate
// for its wss:// listener, a static file server for dist/ under a sub-path, headless
// Chromium (Debian's, through playwright-core) with a fresh profile, and
// mosquitto_pub / mosquitto_sub.
//
// Every wait is bounded. Everything started here is stopped by `Env.stop()`, and,
// should the test process die first, by its exit handler or, if it dies without
// running one, by a small reaper process (both by pid; see below).
//
// Environment: WEBMQTT_DIST_DIR (the built app; default ../../dist from here),
// WEBMQTT_CHROMIUM (default /usr/bin/chromium).

import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { X509Certificate, createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const DIST_DIR = path.resolve(process.env.WEBMQTT_DIST_DIR || path.join(HERE, '..', '..', '..', 'dist'));
export const CHROMIUM = process.env.WEBMQTT_CHROMIUM || '/usr/bin/chromium';
/** The sub-path the app is served from, as a lab's web server would. */
export const APP_PREFIX = '/labs/mqtt/';

// ---------------------------------------------------------------------------
// Processes and temp dirs we made: stopped and removed on exit even when a test
// (or the runner) fails. Two layers:
// - this process's 'exit' handler kills them by pid;
// - a small reaper process holds a pipe from us: when this process dies in a way
//   that runs no handler (SIGKILL, or the runner killing it when its own output pipe
//   broke), the pipe closes, and the reaper kills what is left by pid and removes
//   the temp dirs.

const livePids = new Set();
process.on('exit', () => {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => process.exit(128 + { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[sig]));
}

const REAPER = `
  const fs = require('node:fs');
  const pids = new Set();
  const dirs = new Set();
  let buf = '';
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => {});
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const arg = line.slice(1);
      ({ '+': () => pids.add(Number(arg)), '-': () => pids.delete(Number(arg)),
        D: () => dirs.add(arg), d: () => dirs.delete(arg) })[line[0]]?.();
    }
  });
  process.stdin.on('close', () => {
    for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch {} }
    setTimeout(() => {
      for (const dir of dirs) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch {} }
      process.exit(0);
    }, 500);
  });
`;
let reaper;
function tellReaper(line) {
  if (!reaper) {
    reaper = spawn(process.execPath, ['-e', REAPER], { stdio: ['pipe', 'ignore', 'ignore'] });
    reaper.on('error', () => {});
    reaper.stdin.on('error', () => {});
    reaper.unref();
    reaper.stdin.unref?.();
  }
  reaper.stdin.write(line + '\n');
}

function track(child) {
  livePids.add(child.pid);
  tellReaper('+' + child.pid);
  child.once('exit', () => {
    livePids.delete(child.pid);
    tellReaper('-' + child.pid);
  });
  return child;
}

/** A fresh temp dir (removed by `removeDir`, or by the reaper should we die first). */
export async function makeDir(name) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `webmqtt-e2e-${name}-`));
  tellReaper('D' + dir);
  return dir;
}

export async function removeDir(dir) {
  await fsp.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  tellReaper('d' + dir);
}

/** Resolves when `child` exits; after `ms`, kills it (by pid) and resolves anyway. */
async function stopChild(child, signal = 'SIGTERM', ms = 5_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `promise`, or a rejection after `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Polls `fn` until it returns a truthy value; throws `what` after `ms`. */
export async function waitUntil(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

/** Whether something listens on 127.0.0.1:`port` (a TCP connect, bounded to 1 s). */
export function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1_000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

function run(cmd, args, { timeout = 15_000, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout, killSignal: 'SIGKILL', encoding: 'buffer' }, (err, stdout, stderr) => {
      if (err) {
        err.message += `\n$ ${cmd} ${args.join(' ')}\n${stderr}`;
        reject(err);
      } else resolve({ stdout, stderr });
    });
    if (child.pid) track(child);
    if (input !== undefined) child.stdin.end(input);
  });
}

async function tempDir(name) {
  const dir = await makeDir(name);
  // mosquitto started as root drops to the user `mosquitto`: let it read its files.
  await fsp.chmod(dir, 0o755);
  return dir;
}

// ---------------------------------------------------------------------------
// TLS: a throwaway CA and a server certificate for 127.0.0.1 and localhost.

export async function makeCertificates(dir) {
  const f = (n) => path.join(dir, n);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'),
    '-days', '2', '-subj', '/CN=WebMQTT e2e throwaway CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'),
    '-subj', '/CN=127.0.0.1']);
  await fsp.writeFile(f('server.ext'), [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '',
  ].join('\n'));
  await run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'),
    '-set_serial', '0x' + createHash('sha1').update(dir).digest('hex').slice(0, 16), '-days', '2',
    '-extfile', f('server.ext'), '-out', f('server.crt')]);
  for (const n of ['ca.crt', 'server.crt', 'server.key']) await fsp.chmod(f(n), 0o644);
  const cert = new X509Certificate(await fsp.readFile(f('server.crt')));
  // What --ignore-certificate-errors-spki-list wants: base64(sha256(SubjectPublicKeyInfo)).
  const spki = createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
  return { caFile: f('ca.crt'), certFile: f('server.crt'), keyFile: f('server.key'), spki };
}

// ---------------------------------------------------------------------------
// mosquitto

/**
 * A mosquitto on 127.0.0.1 with, each on a free port: `mqtt` (plain MQTT, for
 * mosquitto_pub/sub), `ws`, and optionally `wss` (TLS) and `auth` (websockets,
 * anonymous refused, user `alice` / password `secret`).
 */
export class Mosquitto {
  constructor(dir, ports, certs, { auth, persistence = false }) {
    this.dir = dir;
    this.ports = ports;
    this.certs = certs;
    this.auth = auth;
    this.persistence = persistence;
    this.child = null;
    this.logFile = path.join(dir, 'mosquitto.log');
    this.startCount = 0;
  }

  /**
   * `persistence`: sessions and queued messages are saved to disk (in its temp
   * dir) and restored by `restart()`, so that a broker killed by `kill()` comes
   * back with them (see `persistenceConfig`).
   */
  static async create({ wss = false, auth = false, persistence = false } = {}) {
    const dir = await tempDir('mosquitto');
    const ports = { mqtt: await freePort(), ws: await freePort() };
    if (wss) ports.wss = await freePort();
    if (auth) ports.auth = await freePort();
    const certs = wss ? await makeCertificates(dir) : null;
    const broker = new Mosquitto(dir, ports, certs, { auth, persistence });
    await broker.writeConfig();
    return broker;
  }

  async writeConfig() {
    const { ports, certs } = this;
    const lines = [
      '# Written by tests/e2e/lib/harness.mjs. Loopback only.',
      'per_listener_settings true',
      ...(this.persistence ? await this.persistenceConfig() : ['persistence false']),
      'log_dest stderr',
      'log_type all',
      `listener ${ports.mqtt} 127.0.0.1`,
      'allow_anonymous true',
      `listener ${ports.ws} 127.0.0.1`,
      'protocol websockets',
      'socket_domain ipv4',
      'allow_anonymous true',
    ];
    if (certs) {
      lines.push(`listener ${ports.wss} 127.0.0.1`, 'protocol websockets', 'socket_domain ipv4', 'allow_anonymous true',
        `cafile ${certs.caFile}`, `certfile ${certs.certFile}`, `keyfile ${certs.keyFile}`);
    }
    if (this.auth) {
      const pw = path.join(this.dir, 'passwords');
      await fsp.writeFile(pw, '');
      await run('mosquitto_passwd', ['-b', pw, 'alice', 'secret']);
      await fsp.chmod(pw, 0o644);
      lines.push(`listener ${ports.auth} 127.0.0.1`, 'protocol websockets', 'socket_domain ipv4',
        'allow_anonymous false', `password_file ${pw}`);
    }
    this.configFile = path.join(this.dir, 'mosquitto.conf');
    await fsp.writeFile(this.configFile, lines.join('\n') + '\n', { mode: 0o644 });
  }

  /** Starts it and waits (bounded) until every listener accepts connections. */
  async start() {
    if (this.child) throw new Error('mosquitto is already running');
    this.startCount += 1;
    const log = fs.openSync(this.logFile, 'a');
    const child = spawn('mosquitto', ['-c', this.configFile], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const failed = new Promise((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code, sig) => reject(new Error(`mosquitto exited (${code ?? sig}) while starting`)));
    });
    failed.catch(() => {});
    if (child.pid) track(child);
    this.child = child;
    try {
      for (const port of Object.values(this.ports)) {
        await Promise.race([waitUntil(() => portOpen(port), 15_000, `mosquitto on 127.0.0.1:${port}`), failed]);
      }
    } catch (e) {
      await this.stop();
      throw new Error(`${e.message}\n--- mosquitto log ---\n${await this.log()}`);
    }
  }

  get pid() {
    return this.child?.pid;
  }

  /** Stops it by its pid (TERM, then KILL after 5 s). */
  async stop() {
    const child = this.child;
    this.child = null;
    if (child) await stopChild(child, 'SIGTERM');
  }

  async log() {
    return fsp.readFile(this.logFile, 'utf8').catch(() => '(no log)');
  }

  /**
   * With `persistence`: its database in `<dir>/db/` (writable by the user
   * `mosquitto`, which it drops to when started as root), saved after every
   * change (autosave_on_changes, interval 1), not once a second: a SIGKILL then
   * loses at most what the main loop was handling, not a second of messages. And
   * no limit on queued QoS 1/2 messages per client (the default, 1000, drops the
   * rest of a flood to a slow or reconnecting client without a word).
   */
  async persistenceConfig() {
    const db = path.join(this.dir, 'db');
    await fsp.mkdir(db, { recursive: true });
    await fsp.chmod(db, 0o777);
    return ['persistence true', `persistence_location ${db}/`, 'persistence_file mosquitto.db',
      'autosave_on_changes true', 'autosave_interval 1', 'max_queued_messages 0'];
  }

  /** Kills it by its pid with SIGKILL (no chance to save or say goodbye); resolves once it has exited. */
  async kill() {
    const child = this.child;
    this.child = null;
    if (child) await stopChild(child, 'SIGKILL');
  }

  /** Kills it if it runs, and starts it again: same config, same ports (and, with `persistence`, same database). */
  async restart() {
    await this.kill();
    await this.start();
  }

  /**
   * Freezes it (SIGSTOP, by pid) and resolves once the kernel shows it stopped
   * (bounded): it handles nothing more, its clients' bytes wait in its sockets,
   * and its log stays as it is until `thaw()` or `kill()` (a SIGKILL ends a
   * frozen process where it stands).
   */
  async freeze() {
    const child = this.child;
    if (!child || this.frozen) return;
    child.kill('SIGSTOP');
    this.frozenPid = child.pid;
    const end = Date.now() + 5_000;
    while (Mosquitto.processState(child.pid) !== 'T') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (Date.now() > end) throw new Error(`mosquitto (pid ${child.pid}) did not stop on SIGSTOP`);
      await sleep(1);
    }
  }

  /** A process's state letter from /proc/<pid>/stat ('R', 'S', 'T' when stopped …), or null when it is gone. */
  static processState(pid) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      const end = stat.lastIndexOf(')');
      return stat.slice(end + 2, end + 3);
    } catch {
      return null;
    }
  }

  /** Lets a frozen broker run again (SIGCONT, by pid). */
  thaw() {
    if (!this.frozen) return;
    this.frozenPid = undefined;
    this.child.kill('SIGCONT');
  }

  /** Frozen by `freeze()` (and neither thawed nor killed since). */
  get frozen() {
    return this.child != null && this.frozenPid === this.child.pid;
  }

  /** Lets a frozen broker run for about `ms` of wall-clock time, then freezes it again. */
  async runFor(ms) {
    this.thaw();
    await sleep(ms);
    await this.freeze();
  }

  /**
   * Opens a TCP connection to its plain listener and closes it: a running broker
   * logs it ("New connection from …"), so a line in its log is known to come
   * after whatever it was doing when it was poked.
   */
  async poke() {
    await portOpen(this.ports.mqtt);
  }

  /**
   * `mosquitto_pub -l` (a message per line of its stdin) on the plain listener,
   * with `args`, tracked by pid. Write lines to `child.stdin` and end it; it
   * exits once the last one is acknowledged. `exited` resolves with its code or
   * signal; `stop()` ends it (TERM, then KILL) if it still runs.
   */
  publishLines(args) {
    const child = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(this.ports.mqtt), '-l', ...args],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    if (child.pid) track(child);
    let output = '';
    child.on('error', (e) => (output += `spawn: ${e.message}\n`));
    for (const s of [child.stdout, child.stderr]) s.on('data', (d) => (output += d));
    child.stdin.on('error', () => {});
    const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve(code ?? sig)));
    return { child, exited, output: () => output, stop: () => stopChild(child) };
  }

  async remove() {
    await this.stop();
    await removeDir(this.dir);
  }

  url(kind, host = '127.0.0.1') {
    const scheme = kind === 'wss' ? 'wss' : 'ws';
    return `${scheme}://${host}:${this.ports[kind]}`;
  }
}

// ---------------------------------------------------------------------------
// mosquitto_pub and mosquitto_sub against the plain MQTT listener

export async function mosquittoPub(broker, args) {
  return run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.ports.mqtt), ...args]);
}

const SEP = '\u001f'; // unit separator: not in our topics

/**
 * A mosquitto_sub that is subscribed once `start()` resolves. Each message is
 * recorded as { topic, qos, retain, payload (Buffer) [, contentType, userProperties] }.
 */
export class MosquittoSub {
  constructor(broker, filter, extraArgs = []) {
    this.args = ['-h', '127.0.0.1', '-p', String(broker.ports.mqtt), '-t', filter, '-q', '1', '-d',
      '-W', '600', // a bound of its own, should we never stop it
      '-F', ['MSG', '%t', '%q', '%r', '%C', '%P', '%x'].join(SEP), ...extraArgs];
    this.messages = [];
    this.output = '';
  }

  async start() {
    // stdbuf -oL: line-buffered stdout, so each line reaches us when it is printed.
    const child = spawn('stdbuf', ['-oL', 'mosquitto_sub', ...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    this.child = child;
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => (this.output += d));
    child.stdout.on('data', (d) => {
      this.output += d;
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('MSG' + SEP)) {
          const [, topic, qos, retain, contentType, userProperties, hex] = line.split(SEP);
          const m = { topic, qos: Number(qos), retain: retain === '1', payload: Buffer.from(hex, 'hex') };
          // MQTT 5.0 only (pass ['-V', 'mqttv5']): content type, user properties as "k:v k2:v2".
          if (contentType) m.contentType = contentType;
          if (userProperties) m.userProperties = userProperties;
          this.messages.push(m);
        }
      }
    });
    // -d prints "Subscribed (mid: 1): <qos>" once the SUBACK is in.
    await waitUntil(() => /Subscribed \(mid/.test(this.output) || child.exitCode !== null, 10_000,
      'mosquitto_sub to subscribe');
    if (child.exitCode !== null) throw new Error(`mosquitto_sub exited: ${this.output}`);
    return this;
  }

  async waitFor(pred, ms, what) {
    return waitUntil(() => this.messages.find(pred), ms, `${what}; mosquitto_sub got ${JSON.stringify(this.describe())}`);
  }

  describe() {
    return this.messages.map((m) => ({ ...m, payload: m.payload.toString('utf8') }));
  }

  async stop() {
    if (this.child) await stopChild(this.child, 'SIGTERM');
  }
}

// ---------------------------------------------------------------------------
// The static file server: dist/ under APP_PREFIX, nothing anywhere else.

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export async function startStaticServer(root = DIST_DIR, prefix = APP_PREFIX) {
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    throw new Error(`${root}/index.html is missing: build the app first (trunk build --release)`);
  }
  const requests = [];
  // Paths held back until released (`hold`): a slow download, for as long as a test needs.
  const holds = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const held = holds.find((h) => h.pattern.test(url.pathname));
    if (held) await held.released;
    // status: null while the request is being answered.
    const entry = { path: url.pathname, status: null };
    // Not enumerable (not part of what tests compare): false until answered.
    Object.defineProperty(entry, 'answered', { value: false, writable: true });
    requests.push(entry);
    const send = (status, headers, body) => {
      entry.status = status;
      entry.answered = true;
      res.writeHead(status, headers);
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, {}, 'method not allowed');
    if (url.pathname === prefix.slice(0, -1)) return send(301, { Location: prefix + url.search }, '');
    if (!url.pathname.startsWith(prefix)) return send(404, { 'Content-Type': 'text/plain' }, 'not found');
    let rel = decodeURIComponent(url.pathname.slice(prefix.length));
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep)) return send(403, {}, 'forbidden');
    try {
      const body = await fsp.readFile(file);
      send(200, {
        'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
        'Cache-Control': 'no-store',
      }, req.method === 'HEAD' ? undefined : body);
    } catch {
      send(404, { 'Content-Type': 'text/plain' }, 'not found');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    appUrl: origin + prefix,
    requests,
    /** Holds back the answers to paths matching `pattern`; returns the function that lets them go. */
    hold(pattern) {
      let release;
      const entry = { pattern, released: new Promise((resolve) => { release = resolve; }) };
      holds.push(entry);
      return () => {
        const i = holds.indexOf(entry);
        if (i >= 0) holds.splice(i, 1);
        release();
      };
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

// ---------------------------------------------------------------------------
// Chromium

/**
 * Debian's Chromium, headless, with a fresh profile (user data dir). `spki`:
 * SPKI hashes of certificates to trust (our throwaway broker's). `serviceWorkers`:
 * 'allow' (the app registers its service worker, web/pwa.js) or 'block' (for a test
 * of what the page loads from the server: with the worker, later visits load from
 * its cache).
 */
export async function launchBrowser({ spki = [], serviceWorkers = 'allow' } = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set WEBMQTT_CHROMIUM)`);
  }
  const userDataDir = await makeDir('chromium');
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  if (spki.length) args.push(`--ignore-certificate-errors-spki-list=${spki.join(',')}`);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    timeout: 60_000,
    viewport: { width: 1280, height: 1000 },
    serviceWorkers,
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    async close() {
      await withTimeout(context.close(), 15_000, 'closing Chromium').catch(() => {});
      await removeDir(userDataDir);
    },
  };
}

// ---------------------------------------------------------------------------
// The environment a test file uses, and the page it drives

export class Env {
  static async start({ wss = false, auth = false, serviceWorkers } = {}) {
    const env = new Env();
    try {
      env.broker = await Mosquitto.create({ wss, auth });
      await env.broker.start();
      env.server = await startStaticServer();
      env.browser = await launchBrowser({ spki: env.broker.certs ? [env.broker.certs.spki] : [], serviceWorkers });
    } catch (e) {
      await env.stop();
      throw e;
    }
    return env;
  }

  /** Opens the app (with `query`, e.g. "?url=…"), waits until it is running. */
  async openApp(query = '', options = {}) {
    return AppPage.open(this.browser.context, this.server.appUrl + query, options);
  }

  async stop() {
    await this.browser?.close().catch(() => {});
    await this.server?.close().catch(() => {});
    await this.broker?.remove().catch(() => {});
  }
}

/**
 * `fn()` run once, on first `get()`; every `get()` returns the same promise, so when
 * setting up fails (no Chromium, no mosquitto, no dist/), every test that needs it
 * fails with that error, rather than being cancelled or skipped. `dispose(value)`
 * runs on `stop()` if it was set up.
 */
export function lazy(fn, dispose) {
  let promise;
  return {
    get: () => (promise ??= fn()),
    async stop() {
      const value = await promise?.catch(() => undefined);
      if (value !== undefined) await dispose(value);
    },
  };
}

/** An `Env` started on first use (see `lazy`); `after(() => env.stop())`. */
export const lazyEnv = (options) => lazy(() => Env.start(options), (env) => env.stop());

/** The app in one tab, with what it did that a test may check. */
export class AppPage {
  constructor(page) {
    this.page = page;
    this.dialogs = [];
    this.errors = [];
    this.websockets = [];
    page.on('dialog', (d) => {
      this.dialogs.push(`${d.type()}: ${d.message()}`);
      d.dismiss().catch(() => {});
    });
    page.on('pageerror', (e) => this.errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      // The browser asks for /favicon.ico at the site's root by itself; the app has none.
      if (m.type() === 'error' && !m.location().url?.endsWith('/favicon.ico')) {
        this.errors.push(`console: ${m.text()} (${m.location().url})`);
      }
    });
    page.on('websocket', (ws) => this.websockets.push(ws.url()));
  }

  /**
   * Opens the app in a new tab. The app keeps its connections (localStorage) and
   * received messages (IndexedDB) for the next visit; tabs of one test file share a
   * browser profile, so by default a new tab starts from a clean slate, like a first
   * visit. Reloads of that tab keep what it saved. `{ fresh: false }` keeps what
   * earlier tabs of the profile saved.
   */
  static async open(context, url, { fresh = true } = {}) {
    const app = new AppPage(await context.newPage());
    if (fresh) {
      await app.page.addInitScript(() => {
        if (!sessionStorage.getItem('webmqtt-e2e-fresh')) {
          sessionStorage.setItem('webmqtt-e2e-fresh', '1');
          localStorage.clear();
          // Queued before the app's own open request, which waits for it.
          indexedDB.deleteDatabase('webmqtt');
        }
      });
    }
    // Content-Security-Policy violations, as the page itself sees them.
    await app.page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample });
      });
    });
    try {
      await app.page.goto(url, { waitUntil: 'load', timeout: 30_000 });
      await app.page.locator('#connect').waitFor({ state: 'visible', timeout: 30_000 });
    } catch (e) {
      await app.close();
      throw new Error(`the app did not start at ${url}: ${e.message.split('\n')[0]}; page errors: ${JSON.stringify(app.errors)}`);
    }
    return app;
  }

  close() {
    return this.page.close().catch(() => {});
  }

  /** The page's Content-Security-Policy violations so far: { directive, blocked, sample }. */
  cspViolations() {
    return this.page.evaluate(() => window.__cspViolations);
  }

  status() {
    return this.page.locator('#status');
  }

  /** Waits until #status has class `kind` (connected, reconnecting, …). */
  async waitStatus(kind, timeout = 15_000) {
    try {
      await this.page.locator(`#status.status.${kind}`).waitFor({ state: 'attached', timeout });
    } catch (e) {
      const text = await this.page.locator('#status').textContent().catch(() => '?');
      const problem = await this.page.locator('#problem').textContent({ timeout: 100 }).catch(() => 'none');
      throw new Error(`status is not "${kind}" after ${timeout} ms: "${text}" (problem: ${problem}; errors: ${this.errors.join(' | ')})`);
    }
  }

  async connect({ url, version = '3.1.1', username = '', password = '', wait = 'connected' }) {
    const p = this.page;
    await p.fill('#broker-url', url);
    await p.selectOption('#protocol-version', version);
    await p.fill('#username', username);
    await p.fill('#password', password);
    await p.click('#connect');
    if (wait) await this.waitStatus(wait);
  }

  async disconnect() {
    await this.page.click('#disconnect');
    await this.waitStatus('disconnected');
  }

  async subscribe(filter, qos = '1') {
    const p = this.page;
    await p.fill('#subscribe-topic', filter);
    await p.selectOption('#subscribe-qos', qos);
    await p.click('#subscribe');
    await this.waitGranted(filter, qos);
  }

  async waitGranted(filter, qos = '1', timeout = 15_000) {
    const state = this.page.locator(`#subscription-list .subscription[data-filter="${filter}"] .sub-state`);
    await state.filter({ hasText: `granted QoS ${qos}` }).waitFor({ timeout });
  }

  /** Fills the publish form and clicks Publish. */
  async publish({ topic, payload, format = 'text', qos = '0', retain = false }) {
    const p = this.page;
    await p.fill('#publish-topic', topic);
    await p.selectOption('#publish-format', format);
    await p.selectOption('#publish-qos', qos);
    await p.setChecked('#publish-retain', retain);
    await p.fill('#publish-payload', payload);
    await p.click('#publish');
  }

  /** Opens a tab of the main area: 'messages', 'topics' or 'ttn'. */
  async openTab(name) {
    await this.page.click(`#tab-${name}`);
    await this.page.locator(`#tab-${name}[aria-selected="true"]`).waitFor({ timeout: 5_000 });
  }

  /** The feed rows for `topic`. */
  rows(topic) {
    return this.page.locator(`#feed-list .message[data-topic="${topic}"]`);
  }

  /** Waits (bounded) for a row with `topic`, and returns what it shows. */
  async row(topic, timeout = 15_000) {
    const row = this.rows(topic).first();
    await row.waitFor({ timeout });
    return {
      locator: row,
      topic: await row.locator('.topic').textContent(),
      qos: await row.locator('.qos').textContent(),
      retained: (await row.locator('.retain').count()) > 0,
      size: await row.locator('.size').textContent(),
      preview: await row.locator('.preview').textContent(),
    };
  }

  /**
   * Opens a row (a click on its summary) and returns the whole payload as shown and
   * the MQTT 5.0 property table as [name, value] pairs. Works whether the row expands
   * in place (.message-detail inside the row) or fills the detail pane
   * (#message-detail) beside the list.
   */
  async expand(row) {
    const summary = row.locator('.message-summary');
    await summary.click();
    // The row says it is open: aria-expanded (in place) or aria-pressed (selected).
    await row.locator('.message-summary[aria-expanded="true"], .message-summary[aria-pressed="true"]')
      .waitFor({ timeout: 5_000 });
    const detail = row.locator('.message-detail').or(this.page.locator('#message-detail'));
    await detail.locator('.payload').waitFor({ timeout: 5_000 });
    const payload = await detail.locator('.payload').textContent();
    const properties = await detail.locator('table.properties tr').evaluateAll((trs) =>
      trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', tr.querySelector('td')?.textContent ?? '']));
    return { payload, properties };
  }
}

// ---------------------------------------------------------------------------
// A minimal MQTT 3.1.1 publisher (QoS 0), so that thousands of messages on
// thousands of topics go out in one connection, faster than mosquitto_pub.

const mqttString = (s) => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};
function varInt(n) {
  const out = [];
  do {
    let digit = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) digit |= 0x80;
    out.push(digit);
  } while (n > 0);
  return Buffer.from(out);
}
const packet = (first, body) => Buffer.concat([Buffer.from([first]), varInt(body.length), body]);

/** Publishes `messages` ([topic, payload] pairs) at QoS 0 to 127.0.0.1:`port`, then disconnects. */
export async function publishAll(port, messages, clientId = `e2e-flood-${process.pid}`) {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  const connack = once(sock, 'data');
  sock.write(packet(0x10, Buffer.concat([mqttString('MQTT'), Buffer.from([4, 2, 0, 60]), mqttString(clientId)])));
  const [ack] = await connack;
  if (ack[3] !== 0) throw new Error(`publishAll: CONNACK refused (return code ${ack[3]})`);
  const chunk = [];
  for (const [topic, payload] of messages) {
    chunk.push(packet(0x30, Buffer.concat([mqttString(topic), Buffer.from(payload)])));
    if (chunk.length === 500) {
      if (!sock.write(Buffer.concat(chunk.splice(0)))) await once(sock, 'drain');
    }
  }
  sock.write(Buffer.concat([...chunk, Buffer.from([0xe0, 0])]));
  sock.end();
  await once(sock, 'close');
}
