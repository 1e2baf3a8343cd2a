// Labs and bridges (issue 13), against real mosquitto instances and the built app.
//
// A stand-in for the lab's broker (FIT IoT-LAB's mqtt.iot-lab.info and a The Things
// Stack cluster at once): mosquitto with a TLS listener (a throwaway CA from the
// harness's makeCertificates), a password file, and an ACL
//   pattern readwrite iotlab/%u/#   (IoT-LAB: user alice)
//   pattern readwrite v3/%u/#       (TTN: user app1@ttn, password an API key)
// plus a websockets listener with the same password file and ACL, for the tests in
// which the app talks to it directly (scope refusal, wrong password, commands), and a
// plain listener for mosquitto_pub/mosquitto_sub as those users.
//
// The bridges are the app's own generated mosquitto.conf, read from #bridge-config,
// and started as generated, except (documented substitution):
// - IoT-LAB: the `address mqtt.iot-lab.info:8883` line becomes `address 127.0.0.1:<the
//   stand-in's TLS port>` (the preset fixes host and port, as the lab does). The CA path
//   is typed into the form (#bridge-ca-file) as a user would, so it is the throwaway CA.
// - TTN: nothing; the form of the "The Things Network" kind takes the host, port and CA
//   file, so the test types 127.0.0.1, the stand-in's TLS port and the throwaway CA.
// The local ports are typed into the form too (#bridge-ws-port, #bridge-mqtt-port).
//
// Everything listens on 127.0.0.1; every wait is bounded; what a test starts it stops
// by pid (the harness's processes, and ours through `stopAll`).

import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { AppPage, freePort, launchBrowser, lazy, makeCertificates, MosquittoSub, startStaticServer, waitUntil, portOpen } from './lib/harness.mjs';

const ALICE = { user: 'alice', password: 'lab pass#1' };
const TTN = { user: 'app1@ttn', password: 'NNSXS.TESTKEY' };

// ---------------------------------------------------------------------------
// Processes and dirs of this file, stopped and removed by pid / path.

const children = new Set();
const dirs = new Set();
process.on('exit', () => {
  for (const c of children) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

async function tempDir(name) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `webmqtt-labs-${name}-`));
  // mosquitto started as root drops to the user `mosquitto`: let it read its files.
  await fsp.chmod(dir, 0o755);
  dirs.add(dir);
  return dir;
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function stopAll() {
  for (const c of [...children]) await stopChild(c);
  for (const d of dirs) await fsp.rm(d, { recursive: true, force: true });
}

/** Runs a command; resolves { code, stdout, stderr } (never rejects on a non-zero exit). */
function run(cmd, args, { env, cwd, timeout = 20_000 } = {}) {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env, cwd, timeout, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      children.delete(child);
      resolve({ code: err ? (err.code ?? err.signal) : 0, stdout, stderr });
    });
    children.add(child);
  });
}

/** A mosquitto started from `configFile`, logging to a file; waits for `ports` (bounded). */
async function startMosquitto(dir, configFile, ports) {
  const logFile = path.join(dir, `${path.basename(configFile)}.log`);
  const log = fs.openSync(logFile, 'a');
  const child = spawn('mosquitto', ['-c', configFile, '-v'], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  children.add(child);
  child.once('exit', () => children.delete(child));
  const readLog = () => fsp.readFile(logFile, 'utf8').catch(() => '');
  try {
    for (const port of ports) {
      await waitUntil(async () => {
        if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}) while starting`);
        return portOpen(port);
      }, 15_000, `mosquitto (${path.basename(configFile)}) on 127.0.0.1:${port}`);
    }
  } catch (e) {
    await stopChild(child);
    throw new Error(`${e.message}\n--- log ---\n${await readLog()}\n--- config ---\n${await fsp.readFile(configFile, 'utf8')}`);
  }
  return { child, log: readLog, stop: () => stopChild(child) };
}

// ---------------------------------------------------------------------------
// The stand-in for the lab's broker.

async function startStandin() {
  const dir = await tempDir('standin');
  const certs = await makeCertificates(dir);
  const ports = { tls: await freePort(), ws: await freePort(), mqtt: await freePort() };
  const passwords = path.join(dir, 'passwords');
  await fsp.writeFile(passwords, '');
  for (const u of [ALICE, TTN]) {
    const r = await run('mosquitto_passwd', ['-b', passwords, u.user, u.password]);
    assert.equal(r.code, 0, `mosquitto_passwd: ${r.stderr}`);
  }
  await fsp.chmod(passwords, 0o644);
  const acl = path.join(dir, 'acl');
  await fsp.writeFile(acl, 'pattern readwrite iotlab/%u/#\npattern readwrite v3/%u/#\n', { mode: 0o644 });
  const configFile = path.join(dir, 'standin.conf');
  await fsp.writeFile(configFile, [
    '# The lab broker stand-in (tests/e2e/labs.test.mjs). Loopback only.',
    'per_listener_settings false',
    'persistence false',
    'log_dest stderr',
    'log_type all',
    'allow_anonymous false',
    `password_file ${passwords}`,
    `acl_file ${acl}`,
    `listener ${ports.tls} 127.0.0.1`,
    `cafile ${certs.caFile}`,
    `certfile ${certs.certFile}`,
    `keyfile ${certs.keyFile}`,
    `listener ${ports.ws} 127.0.0.1`,
    'protocol websockets',
    'socket_domain ipv4',
    `listener ${ports.mqtt} 127.0.0.1`,
    '',
  ].join('\n'), { mode: 0o644 });
  const broker = await startMosquitto(dir, configFile, Object.values(ports));
  return { ...broker, dir, certs, ports };
}

/** mosquitto_pub on the stand-in's plain listener, as `who`. */
async function standinPub(standin, who, args) {
  const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(standin.ports.mqtt), '-u', who.user, '-P', who.password, ...args]);
  assert.equal(r.code, 0, `mosquitto_pub: ${r.stderr}`);
}

/** A subscribed mosquitto_sub on the stand-in, as `who` (the harness's MosquittoSub). */
function standinSub(standin, who, filter) {
  return new MosquittoSub({ ports: { mqtt: standin.ports.mqtt } }, filter, ['-u', who.user, '-P', who.password]).start();
}

/** Writes a generated bridge config and starts it; waits until it is connected to the stand-in. */
async function startBridge(standin, name, config, ports, clientId) {
  const dir = await tempDir(name);
  const configFile = path.join(dir, `${name}.conf`);
  await fsp.writeFile(configFile, config, { mode: 0o600 });
  // mosquitto drops from root to the user `mosquitto`, which must read it.
  if (process.getuid?.() === 0) await fsp.chmod(configFile, 0o644);
  const bridge = await startMosquitto(dir, configFile, ports);
  // The stand-in granted the bridge's subscription: messages can flow both ways.
  await waitUntil(async () => (await standin.log()).includes(`Sending SUBACK to ${clientId}`), 15_000,
    `the bridge ${clientId} to subscribe at the stand-in`).catch(async (e) => {
    throw new Error(`${e.message}\n--- bridge log ---\n${await bridge.log()}`);
  });
  return bridge;
}

// ---------------------------------------------------------------------------

const env = lazy(async () => {
  const standin = await startStandin();
  const server = await startStaticServer();
  const browser = await launchBrowser();
  return { standin, server, browser };
}, async ({ server, browser }) => {
  await browser.close();
  await server.close();
});
after(async () => {
  await env.stop();
  await stopAll();
});

async function openApp(query = '', options = {}) {
  const { server, browser } = await env.get();
  return AppPage.open(browser.context, server.appUrl + query, options);
}

/**
 * The app on a new connection of its own: the browser profile (and so the saved
 * workspace) is shared by the tests, and an earlier test's scope or subscriptions
 * must not leak into the next one.
 */
async function openFresh() {
  const app = await openApp();
  const before = await app.page.locator('#connection-list .connection-item').count();
  await app.page.click('#connection-add');
  await app.page.locator('#connection-list .connection-item').nth(before).waitFor({ timeout: 5_000 });
  return app;
}

const configText = (app, id = 'bridge') => app.page.inputValue(`#${id}-config`);

describe('Labs and bridges', { timeout: 240_000 }, () => {
  test("a teacher's ?preset=iotlab link: the student types login and password, the bridge starts and carries messages both ways", async () => {
    const { standin } = await env.get();
    const app = await openApp('?preset=iotlab');
    try {
      const p = app.page;
      // The link opened the IoT-LAB form.
      await p.locator('#tab-labs[aria-selected="true"]').waitFor({ timeout: 5_000 });
      assert.equal(await p.inputValue('#bridge-kind'), 'iotlab');
      await p.fill('#iotlab-login', ALICE.user);
      await p.fill('#iotlab-password', ALICE.password);
      // Login → user name and topic scope, at once.
      assert.equal(await p.inputValue('#username'), 'alice');
      assert.equal(await p.inputValue('#topic-scope'), 'iotlab/alice/');
      const [wsPort, mqttPort] = [await freePort(), await freePort()];
      await p.fill('#bridge-ca-file', standin.certs.caFile);
      await p.fill('#bridge-ws-port', String(wsPort));
      await p.fill('#bridge-mqtt-port', String(mqttPort));
      const generated = await configText(app);
      for (const line of ['address mqtt.iot-lab.info:8883', `bridge_cafile ${standin.certs.caFile}`, 'remote_username alice',
        `remote_password ${ALICE.password}`, 'topic iotlab/alice/# both 1', `listener ${wsPort} 127.0.0.1`,
        `listener ${mqttPort} 127.0.0.1`]) {
        assert.ok(generated.split('\n').includes(line), `the generated config lacks "${line}":\n${generated}`);
      }
      assert.match(await p.locator('#bridge-secret').textContent(), /holds your password.*chmod 600 iotlab-bridge\.conf/);
      // As generated, but for the lab's address (see the top of this file).
      const config = generated.replace('address mqtt.iot-lab.info:8883', `address 127.0.0.1:${standin.ports.tls}`);
      const bridge = await startBridge(standin, 'iotlab-bridge', config, [wsPort, mqttPort], 'webmqtt-bridge-alice');
      try {
        await p.click('#bridge-connect');
        await app.waitStatus('connected');
        assert.match(await p.textContent('#status'), new RegExp(`ws://127\\.0\\.0\\.1:${wsPort}`));
        await app.waitGranted('iotlab/alice/#', '1');

        // The stand-in → the bridge → the app.
        await app.openTab('messages');
        await standinPub(standin, ALICE, ['-t', 'iotlab/alice/sensor', '-m', '21.5', '-q', '1']);
        const row = await app.row('iotlab/alice/sensor');
        assert.match(row.preview, /21\.5/);

        // The app → the bridge → the stand-in.
        const sub = await standinSub(standin, ALICE, 'iotlab/alice/cmd');
        try {
          await app.publish({ topic: 'iotlab/alice/cmd', payload: 'led on', qos: '1' });
          const m = await sub.waitFor((x) => x.payload.toString() === 'led on', 15_000, 'the app\'s publish at the stand-in');
          assert.equal(m.topic, 'iotlab/alice/cmd');
        } finally {
          await sub.stop();
        }
      } finally {
        await bridge.stop();
      }
      assert.deepEqual(app.dialogs, [], 'no browser dialogs');
    } finally {
      await app.close();
    }
    // The same link opened again (in the same browser, with what it saved) is the
    // same connection, login and all.
    const again = await openApp('?preset=iotlab', { fresh: false });
    try {
      assert.equal(await again.page.inputValue('#iotlab-login'), 'alice');
      assert.equal(await again.page.inputValue('#topic-scope'), 'iotlab/alice/');
      const names = await again.page.locator('#connection-list .connection-pick').allTextContents();
      assert.equal(names.filter((n) => n.startsWith('FIT IoT-LAB')).length, 1, `connections: ${names}`);
    } finally {
      await again.close();
    }
  });

  test('the TTN bridge (user app1@ttn) carries an uplink to the app and a downlink to the stand-in', async () => {
    const { standin } = await env.get();
    const app = await openFresh();
    try {
      const p = app.page;
      await app.openTab('labs');
      await p.selectOption('#bridge-kind', 'ttn');
      const [wsPort, mqttPort] = [await freePort(), await freePort()];
      await p.fill('#bridge-host', '127.0.0.1');
      await p.fill('#bridge-port', String(standin.ports.tls));
      await p.fill('#bridge-ca-file', standin.certs.caFile);
      await p.fill('#bridge-username', TTN.user);
      await p.fill('#bridge-password', TTN.password);
      await p.fill('#bridge-ws-port', String(wsPort));
      await p.fill('#bridge-mqtt-port', String(mqttPort));
      const config = await configText(app);
      for (const line of [`address 127.0.0.1:${standin.ports.tls}`, 'remote_username app1@ttn', `remote_password ${TTN.password}`,
        'topic v3/app1@ttn/# both 0', 'bridge_protocol_version mqttv311']) {
        assert.ok(config.split('\n').includes(line), `the generated config lacks "${line}":\n${config}`);
      }
      const bridge = await startBridge(standin, 'ttn-bridge', config, [wsPort, mqttPort], 'webmqtt-bridge-app1-ttn');
      try {
        await p.click('#bridge-connect');
        await app.waitStatus('connected');
        await app.subscribe('v3/app1@ttn/devices/+/#', '0');
        await app.openTab('messages');
        await standinPub(standin, TTN, ['-t', 'v3/app1@ttn/devices/dev1/up', '-m', '{"uplink_message":{"f_port":15}}']);
        assert.match((await app.row('v3/app1@ttn/devices/dev1/up')).preview, /f_port/);
        const sub = await standinSub(standin, TTN, 'v3/app1@ttn/devices/dev1/down/#');
        try {
          const downlink = '{"downlinks":[{"f_port":15,"frm_payload":"vu8=","priority":"NORMAL"}]}';
          await app.publish({ topic: 'v3/app1@ttn/devices/dev1/down/push', payload: downlink, format: 'json' });
          const m = await sub.waitFor((x) => x.topic.endsWith('/down/push'), 15_000, 'the downlink at the stand-in');
          assert.deepEqual(JSON.parse(m.payload.toString()), JSON.parse(downlink));
        } finally {
          await sub.stop();
        }
      } finally {
        await bridge.stop();
      }
    } finally {
      await app.close();
    }
  });

  test('a publish and a subscription outside the scope ask first, in the page, and say why', async () => {
    const { standin } = await env.get();
    const app = await openFresh();
    try {
      const p = app.page;
      await app.connect({ url: `ws://127.0.0.1:${standin.ports.ws}`, username: ALICE.user, password: ALICE.password });
      await p.fill('#topic-scope', 'iotlab/alice');
      // The fields show the scope and complete into it.
      await p.fill('#publish-topic', 'temp');
      assert.match(await p.textContent('#publish-topic-scope'), /Scope: iotlab\/alice\//);
      await p.click('#publish-topic-scope-complete');
      assert.equal(await p.inputValue('#publish-topic'), 'iotlab/alice/temp');

      const watcher = await standinSub(standin, ALICE, 'iotlab/alice/#');
      try {
        await app.publish({ topic: 'iotlab/bob/x', payload: 'hi', qos: '0' });
        const question = p.locator('#publish-scope-confirm');
        await question.waitFor({ timeout: 5_000 });
        const text = await question.textContent();
        assert.match(text, /iotlab\/bob\/x is outside this connection's topic scope iotlab\/alice\//);
        assert.match(text, /drops this one without a word/);
        await p.click('#publish-scope-confirm-no');
        await question.waitFor({ state: 'detached', timeout: 5_000 });
        assert.equal(await p.textContent('#publish-outcome'), '', 'nothing was sent after Cancel');

        await p.fill('#subscribe-topic', 'iotlab/#');
        await p.click('#subscribe');
        const subQuestion = p.locator('#subscribe-scope-confirm');
        await subQuestion.waitFor({ timeout: 5_000 });
        assert.match(await subQuestion.textContent(), /iotlab\/# reaches outside this connection's topic scope iotlab\/alice\/.*never delivers anything/);
        assert.equal(await p.locator('#subscription-list .subscription[data-filter="iotlab/#"]').count(), 0, 'not subscribed before the answer');
        await p.click('#subscribe-scope-confirm-yes');
        // Granted (SUBACK 0), as mosquitto does, and then silent: the warning was the only signal.
        await app.waitGranted('iotlab/#', '0');

        // Inside the scope: no question.
        await app.publish({ topic: 'iotlab/alice/ok', payload: 'fine', qos: '0' });
        await watcher.waitFor((m) => m.topic === 'iotlab/alice/ok', 10_000, 'the publish inside the scope');
        assert.equal(await p.locator('#publish-scope-confirm').count(), 0);
      } finally {
        await watcher.stop();
      }
      assert.deepEqual(app.dialogs, [], 'an in-page question, never window.confirm');
    } finally {
      await app.close();
    }
  });

  test('a 5.0 QoS 1 publish refused by the ACL shows 0x87 in words that name the scope', async () => {
    const { standin } = await env.get();
    const app = await openFresh();
    try {
      const p = app.page;
      await app.connect({ url: `ws://127.0.0.1:${standin.ports.ws}`, version: '5.0', username: ALICE.user, password: ALICE.password });
      await p.fill('#topic-scope', 'iotlab/alice/');
      await app.publish({ topic: 'iotlab/bob/x', payload: 'not mine', qos: '1' });
      await p.click('#publish-scope-confirm-yes');
      const outcome = p.locator('#publish-outcome');
      await outcome.filter({ hasText: '0x87' }).waitFor({ timeout: 15_000 });
      const text = await outcome.textContent();
      assert.match(text, /The broker refused message \d+: Not authorized \(0x87\)/);
      assert.match(text, /topic scope is iotlab\/alice\/: the broker lets this user publish only under iotlab\/alice\//);
    } finally {
      await app.close();
    }
  });

  test("a wrong password shows the seed's words and, at a local address, points at the bridge's file", async () => {
    const { standin } = await env.get();
    const app = await openFresh();
    try {
      const p = app.page;
      await app.connect({ url: `ws://127.0.0.1:${standin.ports.ws}`, username: ALICE.user, password: 'wrong', wait: 'disconnected' });
      const problem = p.locator('#problem');
      await problem.waitFor({ timeout: 15_000 });
      assert.equal(await p.textContent('#problem .problem-message'), 'Connection Refused: not authorised.');
      const hint = await p.textContent('#problem .problem-hint');
      assert.match(hint, /user name and password/);
      assert.match(hint, /the bridge is what logs in.*remote_username and remote_password/);
    } finally {
      await app.close();
    }
  });

  test('the generated mosquitto_sub and mosquitto_pub, with their ~/.config files, do what the app did', async () => {
    const { standin } = await env.get();
    const app = await openFresh();
    const home = await tempDir('home');
    try {
      const p = app.page;
      await app.connect({ url: `ws://127.0.0.1:${standin.ports.ws}`, username: ALICE.user, password: ALICE.password });
      await app.subscribe('iotlab/alice/cmd/#', '1');
      await p.fill('#publish-topic', 'iotlab/alice/cmd/app');
      await p.fill('#publish-payload', 'from the app');
      await p.selectOption('#publish-qos', '1');
      await app.openTab('labs');
      await p.fill('#command-host', '127.0.0.1');
      await p.fill('#command-port', String(standin.ports.tls));
      await p.setChecked('#command-tls', true);
      await p.fill('#command-ca-file', standin.certs.caFile);
      const subCommand = await p.textContent('#command-sub');
      const pubCommand = await p.textContent('#command-pub');
      for (const c of [subCommand, pubCommand]) {
        assert.doesNotMatch(c, / -u | -P |lab pass/, `credentials on the command line: ${c}`);
        assert.match(c, new RegExp(`-h '127\\.0\\.0\\.1' -p ${standin.ports.tls} --cafile '${standin.certs.caFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' -V mqttv311 -q 1`));
      }
      assert.equal(subCommand, `mosquitto_sub -h '127.0.0.1' -p ${standin.ports.tls} --cafile '${standin.certs.caFile}' -V mqttv311 -q 1 -t 'iotlab/alice/cmd/#' -v`);
      assert.match(pubCommand, / -t 'iotlab\/alice\/cmd\/app' -m 'from the app'$/);
      assert.match(await p.textContent('#command-credentials'), /^-u alice\n-P ••••••\n$/, 'the password is hidden until asked for');
      await p.click('#command-credentials-show');
      const credentials = await p.textContent('#command-credentials');
      assert.equal(credentials, `-u alice\n-P ${ALICE.password}\n`);
      assert.match(await p.textContent('#command-chmod'), /chmod 600 ~\/\.config\/mosquitto_sub ~\/\.config\/mosquitto_pub/);

      // Without the files the broker refuses them: the credentials come from the files.
      const bare = await run('sh', ['-c', pubCommand], { env: { ...process.env, HOME: home }, cwd: home });
      assert.notEqual(bare.code, 0);
      assert.match(bare.stderr, /not authorised/);

      await fsp.mkdir(path.join(home, '.config'));
      for (const f of ['mosquitto_sub', 'mosquitto_pub']) await fsp.writeFile(path.join(home, '.config', f), credentials, { mode: 0o600 });
      const shellEnv = { ...process.env, HOME: home };

      // mosquitto_sub receives what the app publishes. -C 1 -W 20 (added here) bound it.
      const subacks = (await standin.log()).split('Sending SUBACK').length;
      const sub = run('sh', ['-c', `${subCommand} -C 1 -W 20`], { env: shellEnv, cwd: home, timeout: 30_000 });
      await waitUntil(async () => (await standin.log()).split('Sending SUBACK').length > subacks, 10_000, 'mosquitto_sub to subscribe');
      await p.click('#publish');
      const received = await sub;
      assert.equal(received.code, 0, `mosquitto_sub: ${received.stderr}`);
      assert.equal(received.stdout, 'iotlab/alice/cmd/app from the app\n');

      // mosquitto_pub sends what the app sent: the app (subscribed) shows it a second time.
      await app.openTab('messages');
      await waitUntil(async () => (await app.rows('iotlab/alice/cmd/app').count()) === 1, 10_000, "the app's own message");
      const sent = await run('sh', ['-c', pubCommand], { env: shellEnv, cwd: home });
      assert.equal(sent.code, 0, `mosquitto_pub: ${sent.stderr}`);
      await waitUntil(async () => (await app.rows('iotlab/alice/cmd/app').count()) === 2, 10_000, "mosquitto_pub's message in the app");
      const rows = app.rows('iotlab/alice/cmd/app');
      for (let i = 0; i < 2; i += 1) {
        assert.match(await rows.nth(i).locator('.preview').textContent(), /from the app/);
        assert.match(await rows.nth(i).locator('.qos').textContent(), /1/);
      }
    } finally {
      await app.close();
    }
  });
});
