// The workspace of connections (issue 12), as a user relies on it: two brokers at
// once, each message marked with its connection; profiles and history that survive a
// reload (the password only when the user asked); profiles exported and imported; a
// share link opened in a fresh browser that subscribes after the CONNACK; the exported
// feed read back byte-exact; every row's payload preview on a phone; a 10,000-message
// flood counted on the right connection.
//
// Each test gets a browser of its own (a fresh profile: its own localStorage and
// IndexedDB), so what one test saves does not leak into the next.

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { AppPage, Mosquitto, launchBrowser, lazy, mosquittoPub, sleep, startStaticServer, waitUntil, publishAll } from './lib/harness.mjs';

// ---------------------------------------------------------------------------
// Two brokers (A also has a password listener: alice / secret) and the app's files.

async function stopFixture(f) {
  await f.server?.close().catch(() => {});
  await f.a?.remove().catch(() => {});
  await f.b?.remove().catch(() => {});
}

const fixture = lazy(async () => {
  const f = {};
  try {
    f.a = await Mosquitto.create({ auth: true });
    await f.a.start();
    f.b = await Mosquitto.create();
    await f.b.start();
    f.server = await startStaticServer();
  } catch (e) {
    await stopFixture(f);
    throw e;
  }
  return f;
}, stopFixture);
after(() => fixture.stop());

/** Runs `fn(browser)` with a Chromium of its own (fresh profile), closed afterwards. */
async function withBrowser(fn) {
  const browser = await launchBrowser();
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

/** Opens the app in `browser` (with `query`), at `viewport` if given. */
async function openApp(f, browser, query = '', viewport) {
  const app = await AppPage.open(browser.context, f.server.appUrl + query);
  if (viewport) await app.page.setViewportSize(viewport);
  await assertStyled(app.page);
  return app;
}

/** The app's stylesheet is applied (layout checks mean nothing without it). */
async function assertStyled(page) {
  const sheets = await page.evaluate(() => [...document.querySelectorAll('link[rel="stylesheet"]')]
    .map((l) => ({ href: l.href, rules: l.sheet ? l.sheet.cssRules.length : null })));
  assert.ok(sheets.length > 0 && sheets.every((s) => s.rules > 0),
    `the app's stylesheet is not applied (blocked, e.g. its integrity hash does not match dist/): ${JSON.stringify(sheets)}`);
}

// ---------------------------------------------------------------------------
// The connection list

const item = (page, id) => page.locator(`#connection-list li.connection-item[data-connection="${id}"]`);

/** The list as shown: [{ id, name, selected, dot }]. */
function listConnections(page) {
  return page.$$eval('#connection-list li.connection-item', (lis) => lis.map((li) => ({
    id: li.dataset.connection,
    name: li.querySelector('.connection-pick')?.textContent.trim(),
    selected: li.classList.contains('selected'),
    dot: ['connected', 'connecting', 'reconnecting', 'disconnected']
      .find((k) => li.querySelector('.dot')?.classList.contains(k)) ?? null,
  })));
}

async function selectedId(page) {
  const sel = (await listConnections(page)).filter((c) => c.selected);
  assert.equal(sel.length, 1, `exactly one selected connection: ${JSON.stringify(await listConnections(page))}`);
  return sel[0].id;
}

/** On a phone the list folds behind #connections-menu: opens it when it is folded. */
async function openList(page) {
  const menu = page.locator('#connections-menu');
  if (await menu.isVisible() && (await menu.getAttribute('aria-expanded')) !== 'true') {
    await menu.click();
    await page.locator('#connections-menu[aria-expanded="true"]').waitFor({ timeout: 5_000 });
  }
}

async function select(page, id) {
  await openList(page);
  await item(page, id).locator('.connection-pick').click();
  // (Attached, not visible: on a phone, picking one folds the list away.)
  await page.locator(`#connection-list li.connection-item.selected[data-connection="${id}"]`)
    .waitFor({ state: 'attached', timeout: 5_000 });
}

async function rename(page, id, name) {
  await select(page, id);
  await openList(page);
  await item(page, id).locator('.connection-rename').click();
  await page.fill('#connection-name', name);
  await item(page, id).locator('form.rename button[type="submit"]').click();
  await waitUntil(async () => (await item(page, id).locator('.connection-pick').textContent()).trim() === name,
    5_000, `connection ${id} to be called "${name}"`);
}

/** "+ New connection", named `name`; returns its id (it is selected). */
async function addConnection(page, name) {
  const before = new Set((await listConnections(page)).map((c) => c.id));
  await openList(page);
  await page.click('#connection-add');
  const added = await waitUntil(async () => (await listConnections(page)).find((c) => !before.has(c.id)), 5_000,
    'the new connection in the list');
  assert.equal(added.name, 'New connection');
  assert.equal(added.selected, true, 'a new connection is selected');
  await rename(page, added.id, name);
  return added.id;
}

/** The selected connection's form filled and Connect clicked; waits until connected. */
async function connectSelected(app, { url, version = '3.1.1', username = '', password = '' }) {
  await app.connect({ url, version, username, password });
}

async function waitDot(page, id, kind, timeout = 15_000) {
  await item(page, id).locator(`.dot.${kind}`).waitFor({ state: 'attached', timeout });
}

/** Adds a subscription while disconnected: it waits for the CONNACK. */
async function subscribeLater(page, filter, qos) {
  await page.fill('#subscribe-topic', filter);
  await page.selectOption('#subscribe-qos', qos);
  await page.click('#subscribe');
  await page.locator(`#subscription-list .subscription[data-filter="${filter}"] .sub-state`)
    .filter({ hasText: 'subscribes when connected' }).waitFor({ timeout: 5_000 });
}

/** The selected connection's subscriptions as listed: [[filter, state text]]. */
function listSubscriptions(page) {
  return page.$$eval('#subscription-list .subscription', (lis) =>
    lis.map((li) => [li.dataset.filter, li.querySelector('.sub-state')?.textContent.trim()]));
}

/** The page reported no errors (panics, uncaught exceptions, console errors). */
function assertNoPageErrors(app) {
  const distinct = [...new Set(app.errors.map((e) => e.split('\n').slice(0, 2).join(' ')))];
  assert.deepEqual(distinct, [],
    `the page reported ${app.errors.length} error(s); the first in full:\n${(app.errors[0] ?? '').slice(0, 2500)}`);
}

const text = (page, selector) => page.locator(selector).textContent();

async function waitReceived(page, n, timeout = 15_000) {
  await page.waitForFunction((n) => document.querySelector('#feed-received')?.textContent === String(n), n,
    { timeout, polling: 100 }).catch(async (e) => {
    throw new Error(`#feed-received is not ${n} after ${timeout} ms: "${await text(page, '#feed-received').catch(() => '?')}" (${e.message.split('\n')[0]})`);
  });
}

async function setScope(page, scope) {
  await page.click(`#feed-scope-${scope}`);
  await page.locator(`#feed-scope-${scope}[aria-pressed="true"]`).waitFor({ timeout: 5_000 });
}

/** The rows in the DOM (the virtualised list draws those in view). */
function domRows(page) {
  return page.$$eval('#feed-list .message', (lis) => lis.map((li) => ({
    connection: li.dataset.connection,
    topic: li.dataset.topic,
    tag: li.querySelector('.conn-tag')?.textContent ?? null,
    preview: li.querySelector('.preview')?.textContent ?? null,
    fromHistory: li.classList.contains('from-history'),
    historyBadge: li.querySelector('.history') !== null,
  })));
}

// ---------------------------------------------------------------------------
// Exported files

/** Clicks an export button; returns { name, text } of the file the browser got. */
async function download(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.click(selector)]);
  const file = await dl.path();
  assert.ok(file, `the download of ${selector} finished (failure: ${await dl.failure()})`);
  return { name: dl.suggestedFilename(), text: await fsp.readFile(file, 'utf8') };
}

async function exportFeed(page, format, which = 'all') {
  await page.selectOption('#export-format', format);
  return download(page, `#export-${which}`);
}

/** RFC 4180: records of fields; quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(src) {
  const records = [];
  let record = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < src.length) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i += 1;
      } else {
        field += c;
        i += 1;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      i += 1;
    } else if (c === ',') {
      record.push(field);
      field = '';
      i += 1;
    } else if (c === '\r' && src[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else {
      assert.ok(c !== '\n' && c !== '"', `CSV: a bare ${JSON.stringify(c)} outside quotes at ${i}`);
      field += c;
      i += 1;
    }
  }
  assert.equal(quoted, false, 'CSV: a quoted field is not closed');
  if (field !== '' || record.length) {
    record.push(field);
    records.push(record);
  }
  return records;
}

const FIELDS = ['connection', 'topic', 'time', 'qos', 'retain', 'properties', 'payload', 'payload_encoding'];

/** Every format read back into the same objects. */
function parseExport(format, fileText) {
  if (format === 'ndjson') {
    assert.ok(fileText === '' || fileText.endsWith('\n'), 'NDJSON ends with a line break');
    return fileText.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  }
  if (format === 'json') {
    const v = JSON.parse(fileText);
    assert.ok(Array.isArray(v), 'the JSON export is an array');
    return v;
  }
  const [header, ...records] = parseCsv(fileText);
  assert.deepEqual(header, FIELDS, 'the CSV header');
  return records.map((r) => {
    assert.equal(r.length, FIELDS.length, `a CSV record has ${FIELDS.length} fields: ${JSON.stringify(r)}`);
    const o = Object.fromEntries(FIELDS.map((k, i) => [k, r[i]]));
    assert.match(o.qos, /^[012]$/);
    assert.match(o.retain, /^(true|false)$/);
    return { ...o, qos: Number(o.qos), retain: o.retain === 'true', properties: JSON.parse(o.properties) };
  });
}

/** The bytes an exported row stands for. */
function payloadBytes(row) {
  if (row.payload_encoding === 'base64') return Buffer.from(row.payload, 'base64');
  assert.equal(row.payload_encoding, 'utf8', `payload_encoding of ${row.topic}`);
  return Buffer.from(row.payload, 'utf8');
}

// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------

describe('two connections to two brokers at once', { timeout: 180_000 }, () => {
  test('messages interleaved, each row marked with its connection; disconnecting one leaves the other running', async () => {
    const f = await fixture.get();
    await withBrowser(async (browser) => {
      const app = await openApp(f, browser);
      const { page } = app;
      // The first connection, renamed, to broker A.
      const [first] = await listConnections(page);
      const a = first.id;
      await rename(page, a, 'Broker A');
      await connectSelected(app, { url: f.a.url('ws') });
      await app.subscribe('mix/#', '1');
      // A second one, to broker B.
      const b = await addConnection(page, 'Broker B');
      assert.notEqual(a, b);
      await connectSelected(app, { url: f.b.url('ws') });
      await app.subscribe('mix/#', '1');
      await waitDot(page, a, 'connected');
      await waitDot(page, b, 'connected');

      // The same topics on both brokers, one broker then the other, each received
      // before the next is sent (two brokers deliver in no set order between them).
      const N = 8;
      const names = { [a]: 'Broker A', [b]: 'Broker B' };
      const prefix = { [a]: 'A-', [b]: 'B-' };
      await setScope(page, 'all');
      for (let i = 1; i <= N; i++) {
        await mosquittoPub(f.a, ['-t', `mix/t${i}`, '-q', '1', '-m', `A-${i}`]);
        await waitReceived(page, 2 * i - 1);
        await mosquittoPub(f.b, ['-t', `mix/t${i}`, '-q', '1', '-m', `B-${i}`]);
        await waitReceived(page, 2 * i);
      }
      // All connections: 2N rows, each marked with the connection it came from.
      // (The tags are checked at the end, so that what follows is checked too.)
      const untagged = [];
      const checkAll = async (when) => {
        const shown = await domRows(page);
        assert.equal(shown.length, 2 * N, `${when}: every row is in view: ${JSON.stringify(shown)}`);
        for (const r of shown) {
          assert.ok(r.preview.startsWith(prefix[r.connection]), `${when}: row data-connection matches its broker: ${JSON.stringify(r)}`);
        }
        untagged.push(...shown.filter((r) => r.tag !== names[r.connection]).map((r) => ({ when, ...r })));
        // Newest first, interleaved as received: B-8, A-8, B-7, A-7, …
        assert.deepEqual(shown.map((r) => r.preview),
          Array.from({ length: N }, (_, k) => [`B-${N - k}`, `A-${N - k}`]).flat(), `${when}: rows in the order received`);
      };
      await checkAll('all connections, rows drawn in this view');
      // One connection's feed: only its own rows, untagged.
      await setScope(page, 'selected');
      await waitReceived(page, N);
      for (const r of await domRows(page)) {
        assert.equal(r.connection, b, `B's feed shows only B's rows: ${JSON.stringify(r)}`);
        assert.match(r.preview, /^B-\d+$/);
      }
      await select(page, a);
      await waitReceived(page, N);
      for (const r of await domRows(page)) {
        assert.equal(r.connection, a, `A's feed shows only A's rows: ${JSON.stringify(r)}`);
        assert.match(r.preview, /^A-\d+$/);
      }
      // Back to all connections, from A's feed.
      await setScope(page, 'all');
      await waitReceived(page, 2 * N);
      await checkAll('all connections, after viewing A alone');
      // The export says the same.
      const rows = parseExport('ndjson', (await exportFeed(page, 'ndjson')).text);
      assert.equal(rows.length, 2 * N);
      for (const r of rows) {
        assert.equal(r.connection, r.payload.startsWith('A-') ? 'Broker A' : 'Broker B', `exported row: ${JSON.stringify(r)}`);
      }

      // Disconnect A from the list (while A is not the one shown): B keeps running.
      await select(page, b);
      await item(page, a).locator('.connection-toggle').click();
      await waitDot(page, a, 'disconnected');
      await sleep(500);
      const list = await listConnections(page);
      assert.deepEqual(list.map((c) => [c.id, c.dot]), [[a, 'disconnected'], [b, 'connected']]);
      await app.waitStatus('connected');
      await mosquittoPub(f.b, ['-t', 'mix/after', '-q', '1', '-m', 'B-after']);
      await mosquittoPub(f.a, ['-t', 'mix/after', '-q', '1', '-m', 'A-after']);
      const row = await app.row('mix/after');
      assert.equal(row.preview, 'B-after');
      await waitReceived(page, 2 * N + 1);
      await sleep(500);
      const after = (await domRows(page)).filter((r) => r.topic === 'mix/after');
      assert.deepEqual(after.map((r) => [r.connection, r.preview]), [[b, 'B-after']], 'A, disconnected, got nothing');
      assert.equal(await item(page, a).locator('.connection-toggle').textContent(), 'Connect');
      assert.equal(await item(page, b).locator('.connection-toggle').textContent(), 'Disconnect');
      assert.deepEqual(untagged, [], 'in the all-connections view, every row\'s .conn-tag names its connection');
      assertNoPageErrors(app);
      await app.close();
    });
  });
});

describe('what survives a reload', { timeout: 180_000 }, () => {
  test('profiles, subscriptions, the last publish and the history; the password only when remembered', async () => {
    const f = await fixture.get();
    await withBrowser(async (browser) => {
      const app = await openApp(f, browser);
      const { page } = app;
      const [first] = await listConnections(page);
      const a = first.id;
      await rename(page, a, 'Lab (password)');
      // The password listener: alice / secret. "Remember password" is off by default.
      assert.equal(await page.isChecked('#remember-password'), false, '"Remember password" is off by default');
      await connectSelected(app, { url: f.a.url('auth'), username: 'alice', password: 'secret' });
      await app.subscribe('keep/a/#', '1');
      await page.fill('#publish-topic', 'keep/a/out');
      await page.fill('#publish-payload', '{"b": 1, "a": 2}');

      const b = await addConnection(page, 'Greenhouse');
      await connectSelected(app, { url: f.b.url('ws'), version: '5.0' });
      await app.subscribe('keep/b/+/temp', '2');
      await app.subscribe('keep/b/alerts', '0');
      await page.fill('#publish-topic', 'keep/b/cmd');
      await page.fill('#publish-payload', 'open the window');

      for (let i = 1; i <= 3; i++) await mosquittoPub(f.a, ['-t', `keep/a/m${i}`, '-q', '1', '-m', `a${i}`]);
      for (let i = 1; i <= 2; i++) await mosquittoPub(f.b, ['-t', `keep/b/s${i}/temp`, '-q', '1', '-m', `b${i}`]);
      await waitReceived(page, 2);
      // The history is written (once per frame): wait until the header counts all 5.
      await waitUntil(async () => /^History on: 5 of /.test((await text(page, '#history-summary')).trim()), 10_000,
        `#history-summary to count 5 messages: "${await text(page, '#history-summary')}"`);
      const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
      assert.ok(!stored.includes('secret'), `a password not remembered is not in localStorage: ${stored}`);

      await page.reload({ waitUntil: 'load' });
      await page.locator('#connect').waitFor({ state: 'visible', timeout: 30_000 });
      assert.deepEqual((await listConnections(page)).map((c) => [c.id, c.name, c.selected, c.dot]),
        [[a, 'Lab (password)', false, 'disconnected'], [b, 'Greenhouse', true, 'disconnected']],
        'both connections, by name, the last one selected, none connected');
      // Greenhouse: its form, its subscriptions (waiting for a connection), its last publish.
      assert.equal(await page.inputValue('#broker-url'), f.b.url('ws'));
      assert.equal(await page.inputValue('#protocol-version'), '5.0');
      assert.deepEqual(await listSubscriptions(page), [
        ['keep/b/+/temp', 'subscribes when connected'], ['keep/b/alerts', 'subscribes when connected']]);
      assert.equal(await page.inputValue('#publish-topic'), 'keep/b/cmd');
      assert.equal(await page.inputValue('#publish-payload'), 'open the window');
      // Its history: two rows marked as such.
      const histB = await waitUntil(async () => {
        const rs = await domRows(page);
        return rs.length === 2 && rs;
      }, 10_000, 'the 2 messages of Greenhouse restored from history');
      assert.deepEqual(histB.map((r) => [r.connection, r.topic, r.preview, r.fromHistory, r.historyBadge]), [
        [b, 'keep/b/s2/temp', 'b2', true, true], [b, 'keep/b/s1/temp', 'b1', true, true]]);
      assert.match(await text(page, '#feed-counts'), /2 from stored history/);
      // Lab: the password was not remembered.
      await select(page, a);
      assert.equal(await page.inputValue('#broker-url'), f.a.url('auth'));
      assert.equal(await page.inputValue('#username'), 'alice');
      assert.equal(await page.inputValue('#password'), '', 'a password not remembered is gone after a reload');
      assert.equal(await page.isChecked('#remember-password'), false);
      assert.deepEqual(await listSubscriptions(page), [['keep/a/#', 'subscribes when connected']]);
      assert.equal(await page.inputValue('#publish-topic'), 'keep/a/out');
      assert.equal(await page.inputValue('#publish-payload'), '{"b": 1, "a": 2}');
      const histA = await waitUntil(async () => {
        const rs = await domRows(page);
        return rs.length === 3 && rs;
      }, 10_000, 'the 3 messages of Lab restored from history');
      assert.deepEqual(histA.map((r) => [r.topic, r.preview, r.fromHistory, r.historyBadge]), [
        ['keep/a/m3', 'a3', true, true], ['keep/a/m2', 'a2', true, true], ['keep/a/m1', 'a1', true, true]]);

      // Now tick "Remember password": it survives the next reload, and Connect works with it.
      await page.fill('#password', 'secret');
      await page.check('#remember-password');
      await sleep(300);
      await page.reload({ waitUntil: 'load' });
      await page.locator('#connect').waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal(await selectedId(page), a);
      assert.equal(await page.isChecked('#remember-password'), true, '"Remember password" stays ticked');
      assert.equal(await page.inputValue('#password'), 'secret', 'a remembered password is kept');
      await page.click('#connect');
      await app.waitStatus('connected');
      // Its saved subscription is made once connected, and live messages follow the history.
      await app.waitGranted('keep/a/#', '1');
      await mosquittoPub(f.a, ['-t', 'keep/a/live', '-q', '1', '-m', 'live']);
      const live = await app.row('keep/a/live');
      assert.equal(live.preview, 'live');
      assert.equal(await live.locator.evaluate((li) => li.classList.contains('from-history')), false, 'a live row is not history');
      assert.equal(await live.locator.locator('.history').count(), 0);
      assertNoPageErrors(app);
      await app.close();
    });
  });

  // Closing or reloading the page may cut short a write started then, so a message
  // after a pause is written at once, not with the next second's batch of a stream.
  test('a message that arrived a moment before the reload is in the history after it', async () => {
    const f = await fixture.get();
    await withBrowser(async (browser) => {
      const app = await openApp(f, browser);
      const { page } = app;
      await connectSelected(app, { url: f.a.url('ws') });
      await app.subscribe('moment/#', '1');
      await mosquittoPub(f.a, ['-t', 'moment/last', '-q', '1', '-m', 'just in']);
      await app.row('moment/last');
      // Written well within the second that a stream's messages may wait.
      await waitUntil(async () => /^History on: 1 of /.test((await text(page, '#history-summary')).trim()), 500,
        `#history-summary to count the message within 500 ms: "${await text(page, '#history-summary')}"`);
      await page.reload({ waitUntil: 'load' });
      await page.locator('#connect').waitFor({ state: 'visible', timeout: 30_000 });
      const rows = await waitUntil(async () => {
        const rs = await domRows(page);
        return rs.length === 1 && rs;
      }, 10_000, 'the message restored from history');
      assert.deepEqual(rows.map((r) => [r.topic, r.preview, r.fromHistory]), [['moment/last', 'just in', true]]);
      assertNoPageErrors(app);
      await app.close();
    });
  });

  test('export and import of the connections: a round trip, never a password in the file', async () => {
    const f = await fixture.get();
    const exported = await withBrowser(async (browser) => {
      const app = await openApp(f, browser);
      const { page } = app;
      const [first] = await listConnections(page);
      await rename(page, first.id, 'Lab (password)');
      await page.fill('#broker-url', f.a.url('auth'));
      await page.fill('#username', 'alice');
      await page.fill('#password', 'secret');
      await page.check('#remember-password'); // remembered on this device, still not exported
      await subscribeLater(page, 'lab/+/temp', '1');
      await page.fill('#publish-topic', 'lab/cmd');
      await page.fill('#publish-payload', 'on');
      await addConnection(page, 'Greenhouse');
      await page.fill('#broker-url', f.b.url('ws'));
      await page.selectOption('#protocol-version', '5.0');
      await subscribeLater(page, 'gh/#', '2');
      await subscribeLater(page, 'gh/alerts', '0');
      await sleep(300);
      const file = await download(page, '#profiles-export');
      assert.equal(file.name, 'webmqtt-connections.json');
      assert.ok(!file.text.includes('secret'), `no password in the exported file: ${file.text}`);
      const parsed = JSON.parse(file.text);
      assert.ok(parsed && typeof parsed === 'object', 'the file is JSON');
      assertNoPageErrors(app);
      await app.close();
      return file.text;
    });

    await withBrowser(async (browser) => {
      const app = await openApp(f, browser);
      const { page } = app;
      const before = await listConnections(page);
      assert.equal(before.length, 1, 'a fresh browser has one connection');
      const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'webmqtt-e2e-import-'));
      try {
        const file = path.join(dir, 'webmqtt-connections.json');
        await fsp.writeFile(file, exported);
        await page.setInputFiles('#profiles-import', file);
        await page.locator('#workspace-notice', { hasText: 'Imported 2 connections' }).waitFor({ timeout: 10_000 });
      } finally {
        await fsp.rm(dir, { recursive: true, force: true });
      }
      const list = await listConnections(page);
      assert.deepEqual(list.map((c) => c.name), [before[0].name, 'Lab (password)', 'Greenhouse']);
      const byName = Object.fromEntries(list.map((c) => [c.name, c.id]));
      await select(page, byName['Lab (password)']);
      assert.equal(await page.inputValue('#broker-url'), f.a.url('auth'));
      assert.equal(await page.inputValue('#username'), 'alice');
      assert.equal(await page.inputValue('#password'), '', 'no password comes with an import');
      assert.deepEqual(await listSubscriptions(page), [['lab/+/temp', 'subscribes when connected']]);
      assert.equal(await page.inputValue('#publish-topic'), 'lab/cmd');
      assert.equal(await page.inputValue('#publish-payload'), 'on');
      await select(page, byName.Greenhouse);
      assert.equal(await page.inputValue('#broker-url'), f.b.url('ws'));
      assert.equal(await page.inputValue('#protocol-version'), '5.0');
      assert.deepEqual(await listSubscriptions(page), [
        ['gh/#', 'subscribes when connected'], ['gh/alerts', 'subscribes when connected']]);
      // An imported connection works: its subscriptions are made on Connect, with their QoS.
      await page.click('#connect');
      await app.waitStatus('connected');
      await app.waitGranted('gh/#', '2');
      await app.waitGranted('gh/alerts', '0');
      // Exported again from here: the same connections.
      const again = JSON.parse((await download(page, '#profiles-export')).text);
      const strip = (v) => JSON.stringify(v, (k, x) => (['id', 'client_id', 'next_id', 'selected'].includes(k) ? undefined : x));
      const first = JSON.parse(exported);
      const profilesOf = (v) => (Array.isArray(v) ? v : v.profiles);
      assert.ok(Array.isArray(profilesOf(first)), `the file lists profiles: ${exported}`);
      assert.deepEqual(JSON.parse(strip(profilesOf(again).slice(1))), JSON.parse(strip(profilesOf(first))),
        'exported again after the import: the same profiles');
      assertNoPageErrors(app);
      await app.close();
    });
  });
});

describe('a share link', { timeout: 180_000 }, () => {
  test('copied, opened in a fresh browser: three subscriptions made right after the CONNACK, no password', async () => {
    const f = await fixture.get();
    const link = await withBrowser(async (browser) => {
      await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: f.server.origin });
      const app = await openApp(f, browser);
      const { page } = app;
      const [first] = await listConnections(page);
      await rename(page, first.id, 'Class 7 lab');
      await page.fill('#broker-url', f.b.url('ws'));
      await page.selectOption('#protocol-version', '5.0');
      await page.fill('#client-id', 'class7-teacher');
      await page.fill('#username', 'teacher');
      await page.fill('#password', 'hunter2');
      await page.check('#remember-password'); // even a remembered password stays out of the link
      await subscribeLater(page, 'class7/+/temp', '0');
      await subscribeLater(page, 'class7/alerts', '1');
      await subscribeLater(page, 'class7/notes/#', '2');
      await item(page, first.id).locator('.connection-copy-link').click();
      await page.locator('#share-link').waitFor({ timeout: 5_000 });
      const shown = (await text(page, '#share-link')).trim();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      assert.equal(copied, shown, 'the link on the clipboard is the one shown');
      assertNoPageErrors(app);
      await app.close();
      return shown;
    });

    assert.ok(link.startsWith(f.server.appUrl + '?'), `the link opens the app: ${link}`);
    assert.ok(!/hunter2|password/i.test(link), `no password in the link: ${link}`);
    const q = new URL(link).searchParams;
    assert.equal(q.get('name'), 'Class 7 lab');
    assert.equal(q.get('url'), f.b.url('ws'));
    assert.equal(q.get('version'), '5.0');
    assert.equal(q.get('username'), 'teacher');
    assert.equal(q.get('client_id_prefix'), 'class7-');
    assert.deepEqual(q.getAll('topic'), ['class7/+/temp', 'class7/alerts', 'class7/notes/#']);
    assert.deepEqual(q.getAll('qos'), ['0', '1', '2']);

    await withBrowser(async (browser) => {
      const app = await AppPage.open(browser.context, link);
      const { page } = app;
      assert.equal(await page.locator('#workspace-notice').count(), 0,
        `a good link brings no complaint: ${await page.locator('#workspace-notice').textContent().catch(() => '')}`);
      const sel = (await listConnections(page)).find((c) => c.selected);
      assert.equal(sel?.name, 'Class 7 lab', 'the link\'s connection is created and selected');
      assert.equal(await page.inputValue('#broker-url'), f.b.url('ws'));
      assert.equal(await page.inputValue('#protocol-version'), '5.0');
      assert.equal(await page.inputValue('#username'), 'teacher');
      assert.equal(await page.inputValue('#password'), '');
      const clientId = await page.inputValue('#client-id');
      assert.match(clientId, /^class7-.+/, 'a client id of the student\'s own, with the prefix');
      assert.notEqual(clientId, 'class7-teacher');
      assert.deepEqual(await listSubscriptions(page), [
        ['class7/+/temp', 'subscribes when connected'],
        ['class7/alerts', 'subscribes when connected'],
        ['class7/notes/#', 'subscribes when connected']]);
      // The student only clicks Connect.
      await page.click('#connect');
      await app.waitStatus('connected');
      await app.waitGranted('class7/+/temp', '0');
      await app.waitGranted('class7/alerts', '1');
      await app.waitGranted('class7/notes/#', '2');
      // The broker saw them: a SUBSCRIBE from this client with each filter and QoS.
      const log = await f.b.log();
      assert.ok(log.includes(`Received SUBSCRIBE from ${clientId}`), `mosquitto logged the SUBSCRIBE of ${clientId}`);
      for (const [filter, qos] of [['class7/+/temp', 0], ['class7/alerts', 1], ['class7/notes/#', 2]]) {
        assert.ok(log.includes(`${clientId} ${qos} ${filter}`), `mosquitto logged "${clientId} ${qos} ${filter}"`);
      }
      // And messages arrive on them.
      await mosquittoPub(f.b, ['-t', 'class7/room1/temp', '-m', '21.5']);
      await mosquittoPub(f.b, ['-t', 'class7/alerts', '-q', '1', '-m', 'fire drill']);
      await mosquittoPub(f.b, ['-t', 'class7/notes/today', '-q', '2', '-m', 'read chapter 3']);
      assert.equal((await app.row('class7/room1/temp')).preview, '21.5');
      assert.equal((await app.row('class7/alerts')).preview, 'fire drill');
      assert.equal((await app.row('class7/notes/today')).preview, 'read chapter 3');
      assert.ok(app.websockets.every((u) => !/hunter2/.test(u)));
      assertNoPageErrors(app);
      await app.close();
    });
  });
});

describe('the exported feed, read back', { timeout: 180_000 }, () => {
  test('NDJSON, CSV and JSON hold exactly what was published, a binary payload byte-exact', async () => {
    const f = await fixture.get();
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'webmqtt-e2e-export-'));
    try {
      const binFile = path.join(dir, 'all-bytes.bin');
      const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await fsp.writeFile(binFile, allBytes);
      await withBrowser(async (browser) => {
        const app = await openApp(f, browser);
        const { page } = app;
        const [first] = await listConnections(page);
        await rename(page, first.id, 'Export, "quoted"');
        // Retained before the subscription: delivered with the retain flag.
        await mosquittoPub(f.b, ['-t', 'exp/retained', '-q', '1', '-r', '-m', 'kept']);
        const start = Date.now();
        await connectSelected(app, { url: f.b.url('ws'), version: '5.0' });
        await app.subscribe('exp/#', '2');
        await app.row('exp/retained');
        const text1 = 'héllo, "world" ✓\r\nsecond line';
        await mosquittoPub(f.b, ['-t', 'exp/text', '-q', '1', '-m', text1]);
        const json = '{"b": 1, "a": [1, 2], "c": "ü"}';
        await mosquittoPub(f.b, ['-t', 'exp/json', '-q', '0', '-m', json]);
        await mosquittoPub(f.b, ['-V', 'mqttv5', '-t', 'exp/props', '-q', '2', '-m', 'with properties',
          '-D', 'publish', 'user-property', 'k1', 'v1', '-D', 'publish', 'user-property', 'k2', 'v 2',
          '-D', 'publish', 'content-type', 'text/plain']);
        await mosquittoPub(f.b, ['-t', 'exp/binary', '-q', '1', '-f', binFile]);
        await mosquittoPub(f.b, ['-t', 'exp/empty', '-q', '1', '-n']);
        await waitReceived(page, 6);
        const end = Date.now();

        const expected = [
          { topic: 'exp/retained', qos: 1, retain: true, properties: {}, bytes: Buffer.from('kept') },
          { topic: 'exp/text', qos: 1, retain: false, properties: {}, bytes: Buffer.from(text1) },
          { topic: 'exp/json', qos: 0, retain: false, properties: {}, bytes: Buffer.from(json) },
          { topic: 'exp/props', qos: 2, retain: false, bytes: Buffer.from('with properties'),
            properties: { 'User Property': [['k1', 'v1'], ['k2', 'v 2']], 'Content Type': 'text/plain' } },
          { topic: 'exp/binary', qos: 1, retain: false, properties: {}, bytes: allBytes },
          { topic: 'exp/empty', qos: 1, retain: false, properties: {}, bytes: Buffer.alloc(0) },
        ];
        const check = (format, rows, want) => {
          assert.deepEqual(rows.map((r) => r.topic), want.map((w) => w.topic), `${format}: the messages, oldest first`);
          let last = 0;
          rows.forEach((r, i) => {
            const w = want[i];
            const where = `${format} ${r.topic}`;
            assert.deepEqual(Object.keys(r), FIELDS, `${where}: the fields, in order`);
            assert.equal(r.connection, 'Export, "quoted"', `${where}: connection`);
            assert.equal(r.qos, w.qos, `${where}: qos`);
            assert.equal(r.retain, w.retain, `${where}: retain`);
            assert.deepEqual(r.properties, w.properties, `${where}: properties`);
            assert.match(r.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `${where}: ISO time`);
            const t = Date.parse(r.time);
            assert.ok(t >= start - 1000 && t <= end + 1000, `${where}: time ${r.time} within the test`);
            assert.ok(t >= last, `${where}: times do not go back`);
            last = t;
            const isText = Buffer.from(w.bytes.toString('utf8'), 'utf8').equals(w.bytes);
            assert.equal(r.payload_encoding, isText ? 'utf8' : 'base64', `${where}: payload_encoding`);
            assert.ok(payloadBytes(r).equals(w.bytes), `${where}: payload byte-exact (${JSON.stringify(r.payload)})`);
          });
        };
        const files = {};
        for (const format of ['ndjson', 'csv', 'json']) {
          const file = await exportFeed(page, format, 'all');
          assert.match(file.name, new RegExp(`^webmqtt-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\dZ\\.${format}$`), 'file name');
          files[format] = file.text;
          check(format, parseExport(format, file.text), expected);
        }
        const bin = parseExport('ndjson', files.ndjson).find((r) => r.topic === 'exp/binary');
        assert.equal(bin.payload_encoding, 'base64');
        assert.equal(bin.payload, allBytes.toString('base64'));
        // The filtered view: only what the list shows.
        await page.fill('#feed-filter-topic', 'exp/binary');
        await waitUntil(async () => (await domRows(page)).length === 1, 5_000, 'the filter to leave one row');
        for (const format of ['ndjson', 'csv', 'json']) {
          const file = await exportFeed(page, format, 'view');
          check(`${format} (view)`, parseExport(format, file.text), expected.filter((w) => w.topic === 'exp/binary'));
        }
        assertNoPageErrors(app);
        await app.close();
      });
    } finally {
      // Clear the retained message, so no other test sees it.
      await mosquittoPub(f.b, ['-t', 'exp/retained', '-r', '-n']).catch(() => {});
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Every row of the feed in view (inside #feed-viewport's visible box): its .preview
 * is shown (visible, height > 0, width > 0) and lies inside its row's box, not cut.
 */
async function previewsShown(page) {
  return page.evaluate(() => {
    const vp = document.querySelector('#feed-viewport').getBoundingClientRect();
    const out = [];
    for (const li of document.querySelectorAll('#feed-list .message')) {
      const row = li.getBoundingClientRect();
      if (row.bottom <= vp.top || row.top >= vp.bottom) continue; // not in view
      const p = li.querySelector('.preview');
      const box = p?.getBoundingClientRect();
      const style = p && getComputedStyle(p);
      const r = (b) => b && [b.left, b.top, b.right, b.bottom].map((x) => Math.round(x * 10) / 10);
      const fails = [];
      if (!p) fails.push('no .preview');
      else {
        if (style.visibility !== 'visible' || style.display === 'none') fails.push(`hidden (${style.display}/${style.visibility})`);
        if (!(box.height > 0 && box.width > 0)) fails.push(`empty box ${JSON.stringify(r(box))}`);
        const inside = box.top >= row.top - 0.5 && box.bottom <= row.bottom + 0.5 && box.left >= row.left - 0.5
          && box.right <= row.right + 0.5;
        if (!inside) fails.push(`preview box ${JSON.stringify(r(box))} outside the row box ${JSON.stringify(r(row))}`);
        // Also not cut by the row's button (overflow hidden inside the row).
        const btn = li.querySelector('.message-summary')?.getBoundingClientRect();
        if (btn && !(box.top >= btn.top - 0.5 && box.bottom <= btn.bottom + 0.5)) {
          fails.push(`preview box ${JSON.stringify(r(box))} outside the row's button ${JSON.stringify(r(btn))}`);
        }
      }
      out.push({
        topic: li.dataset.topic,
        preview: p?.textContent,
        fails,
        line: [...li.querySelectorAll('.message-summary > *')].map((e) => `${e.className}@${Math.round(e.getBoundingClientRect().top - row.top)}`).join(' '),
      });
    }
    return out;
  });
}

describe('a phone (390×844)', { timeout: 180_000 }, () => {
  test('each row in view shows its payload preview, in one connection\'s feed and in all connections\'', async () => {
    const f = await fixture.get();
    await withBrowser(async (browser) => {
      const phone = { width: 390, height: 844 };
      const app = await openApp(f, browser, '', phone);
      const { page } = app;
      // The list folds behind a menu on a phone: the form is for the selected connection.
      const [first] = await listConnections(page);
      await rename(page, first.id, 'Greenhouse sensors');
      await connectSelected(app, { url: f.b.url('ws') });
      await app.subscribe('phone/#', '1');
      // A retained one (marked "retained"), short and long topics and payloads.
      await mosquittoPub(f.b, ['-t', 'phone/greenhouse/north/temperature', '-q', '1', '-r', '-m', '{"t": 21.5, "unit": "°C"}']);
      const sent = [
        ['phone/a', 'short'],
        ['phone/greenhouse/north/humidity/sensor-42/value', '{"humidity": 63.2, "battery": 3.71, "rssi": -71, "note": "a rather long payload that will not fit on one line of a phone"}'],
        ['phone/x', 'x'.repeat(300)],
        ['phone/with spaces/and/more', 'payload with spaces and words that wrap if allowed to wrap at all'],
        ['phone/b', '42'],
      ];
      await app.subscribe('phone/greenhouse/north/temperature', '1');
      for (const [t, m] of sent) await mosquittoPub(f.b, ['-t', t, '-q', '1', '-m', m]);
      await app.row('phone/b');
      await page.locator('#feed-viewport').scrollIntoViewIfNeeded();
      // Each state is checked, and what fails is reported at the end, all of it.
      const bad = [];
      const check = async (what) => {
        const rows = await previewsShown(page);
        assert.ok(rows.length >= 4, `${what}: rows in view: ${JSON.stringify(rows)}`);
        bad.push(...rows.filter((r) => r.fails.length).map((r) => ({ state: what, ...r })));
      };
      await check('one connection');
      // A second connection, and the feed of all: rows carry the connection's name too.
      await addConnection(page, 'Weather station on the roof');
      await connectSelected(app, { url: f.a.url('ws') });
      await app.subscribe('phone/#', '1');
      await mosquittoPub(f.a, ['-t', 'phone/roof/wind', '-q', '1', '-m', '{"speed": 4.2, "dir": "NW"}']);
      await app.row('phone/roof/wind');
      await setScope(page, 'all');
      await waitReceived(page, 8);
      await page.locator('#feed-viewport').scrollIntoViewIfNeeded();
      await check('all connections');
      // Reloaded: the rows from history carry a "history" mark as well.
      await page.reload({ waitUntil: 'load' });
      await page.locator('#connect').waitFor({ state: 'visible', timeout: 30_000 });
      await assertStyled(page);
      await setScope(page, 'all');
      await waitUntil(async () => (await domRows(page)).length >= 4, 10_000, 'rows from history');
      await page.locator('#feed-viewport').scrollIntoViewIfNeeded();
      await check('all connections, from history');
      assert.deepEqual(bad, [],
        'rows whose payload preview is not shown ("line": each part of the row, class@its offset from the row\'s top)');
      assertNoPageErrors(app);
      await app.close();
    });
  });
});

describe('a flood on two connections', { timeout: 300_000 }, () => {
  test('10,000 messages, each counted on the connection it came from', async () => {
    const f = await fixture.get();
    await withBrowser(async (browser) => {
      const app = await openApp(f, browser);
      const { page } = app;
      const [first] = await listConnections(page);
      const a = first.id;
      await rename(page, a, 'Flood A');
      await connectSelected(app, { url: f.a.url('ws') });
      await app.subscribe('flood/#', '0');
      const b = await addConnection(page, 'Flood B');
      await connectSelected(app, { url: f.b.url('ws') });
      await app.subscribe('flood/#', '0');
      await setScope(page, 'all');
      const NA = 6_000;
      const NB = 4_000;
      const toA = Array.from({ length: NA }, (_, i) => [`flood/${i % 10}`, `A-${i + 1}`]);
      const toB = Array.from({ length: NB }, (_, i) => [`flood/${i % 10}`, `B-${i + 1}`]);
      await Promise.all([
        publishAll(f.a.ports.mqtt, toA, `e2e-flood-a-${process.pid}`),
        publishAll(f.b.ports.mqtt, toB, `e2e-flood-b-${process.pid}`),
      ]);
      await waitReceived(page, NA + NB, 180_000);
      assert.equal(await text(page, '#feed-buffered'), String(NA + NB));
      // Each connection's own count.
      await setScope(page, 'selected');
      await select(page, a);
      await waitReceived(page, NA, 10_000);
      assert.equal(await text(page, '#feed-buffered'), String(NA));
      await select(page, b);
      await waitReceived(page, NB, 10_000);
      assert.equal(await text(page, '#feed-buffered'), String(NB));
      // Every message, on its connection, once, in order: the export of all.
      await setScope(page, 'all');
      const rows = parseExport('ndjson', (await exportFeed(page, 'ndjson', 'all')).text);
      assert.equal(rows.length, NA + NB);
      const got = { 'Flood A': [], 'Flood B': [] };
      for (const r of rows) {
        assert.ok(r.connection in got, `a row of an unknown connection: ${JSON.stringify(r)}`);
        got[r.connection].push(r.payload);
      }
      assert.equal(got['Flood A'].length, NA, 'Flood A\'s rows');
      assert.equal(got['Flood B'].length, NB, 'Flood B\'s rows');
      assert.deepEqual(got['Flood A'], toA.map(([, p]) => p), 'Flood A: every message of broker A, in order');
      assert.deepEqual(got['Flood B'], toB.map(([, p]) => p), 'Flood B: every message of broker B, in order');
      // The page still answers.
      await page.click('#feed-pause', { timeout: 5_000 });
      await page.locator('#feed-pause[aria-pressed="true"]').waitFor({ timeout: 5_000 });
      assertNoPageErrors(app);
      await app.close();
    });
  });
});
