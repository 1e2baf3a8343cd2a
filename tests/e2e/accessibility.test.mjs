// An accessibility audit (axe-core) at each main state of the app: 0 violations.
// The fresh page; connected, with messages and one of them open in the detail pane;
// the topic tree; The Things Network (with an uplink); a phone (390×844), the list of
// connections folded and unfolded; two connections in the all-connections feed with
// the history settings, a share link and the rename form open; the dark theme.
//
// axe is injected with page.evaluate (not blocked by the page's Content-Security-
// Policy, which would block addScriptTag). On a failure every violation is printed:
// rule, impact, and each node's target and failure summary.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { after, describe, test } from 'node:test';
import { lazy, lazyEnv, mosquittoPub } from './lib/harness.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const envs = lazyEnv();
after(() => envs.stop());

/** Runs axe on the page as it is now; returns its violations. */
async function violations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations;
}

function describeViolations(list) {
  return list.map((v) => [
    `- ${v.id} (${v.impact}): ${v.help} [${v.helpUrl}]`,
    ...v.nodes.map((n) => `    at ${JSON.stringify(n.target)}: ${n.html.slice(0, 300)}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`),
  ].join('\n')).join('\n');
}

/**
 * The app's stylesheet is applied: an audit without it (e.g. a dist/ whose CSS does
 * not match index.html's integrity hash, which the browser then blocks) proves nothing.
 */
async function assertStyled(page) {
  const sheets = await page.evaluate(() => [...document.querySelectorAll('link[rel="stylesheet"]')]
    .map((l) => ({ href: l.href, rules: l.sheet ? l.sheet.cssRules.length : null })));
  assert.ok(sheets.length > 0 && sheets.every((s) => s.rules > 0),
    `the app's stylesheet is not applied (blocked, e.g. its integrity hash does not match dist/): ${JSON.stringify(sheets)}`);
}

async function audit(page, state) {
  await assertStyled(page);
  const found = await violations(page);
  assert.equal(found.length, 0, `axe found ${found.length} violation(s) at "${state}":\n${describeViolations(found)}`);
}

const UPLINK = {
  end_device_ids: { device_id: 'dev1', application_ids: { application_id: 'app1' }, dev_eui: '0004A30B001C0530' },
  received_at: '2026-11-23T10:00:00.123Z',
  uplink_message: {
    f_port: 15,
    f_cnt: 42,
    frm_payload: 'vu8=',
    decoded_payload: { temperature: 21.5 },
    rx_metadata: [{ gateway_ids: { gateway_id: 'gw-a' }, rssi: -97, channel_rssi: -97, snr: 7.5 }],
    settings: { data_rate: { lora: { bandwidth: 125000, spreading_factor: 7, coding_rate: '4/5' } }, frequency: '868300000' },
  },
};

describe('accessibility (axe-core): no violations at any main state', { timeout: 240_000 }, () => {
  // One tab through the states, in this order (each test builds on the one before).
  const tab = lazy(async () => (await envs.get()).openApp(), (app) => app.close());
  after(() => tab.stop());

  test('the fresh page', async () => {
    const app = await tab.get();
    await audit(app.page, 'fresh page');
  });

  test('connected, messages received, one open in the detail pane', async () => {
    const env = await envs.get();
    const app = await tab.get();
    const { page } = app;
    await app.connect({ url: env.broker.url('ws'), version: '5.0' });
    await app.subscribe('a11y/#', '1');
    await mosquittoPub(env.broker, ['-t', 'a11y/kept', '-q', '1', '-r', '-m', 'retained value']);
    await mosquittoPub(env.broker, ['-t', 'a11y/room1/temp', '-q', '1', '-m', '{"temp": 21.5, "unit": "°C"}']);
    await mosquittoPub(env.broker, ['-V', 'mqttv5', '-t', 'a11y/room2/temp', '-q', '1', '-m', '{"temp": 19}',
      '-D', 'publish', 'user-property', 'sensor', 'north', '-D', 'publish', 'content-type', 'application/json']);
    await mosquittoPub(env.broker, ['-t', 'a11y/raw', '-q', '0', '-m', 'plain text']);
    const row = await app.row('a11y/room2/temp');
    const { properties } = await app.expand(row.locator);
    assert.ok(properties.length > 0, 'the detail pane shows the properties table');
    await page.locator('.detail-pane #message-detail').waitFor({ timeout: 5_000 });
    await app.publish({ topic: 'a11y/out', payload: 'hello', qos: '1' });
    await page.locator('#publish-outcome', { hasText: 'acknowledged by the broker' }).waitFor({ timeout: 10_000 });
    await audit(page, 'connected, with messages and a selected message');
    await mosquittoPub(env.broker, ['-t', 'a11y/kept', '-r', '-n']);
  });

  test('the topics tab', async () => {
    const app = await tab.get();
    await app.openTab('topics');
    const node = app.page.locator('#topic-tree-list .topic-node[data-path="a11y"]');
    await node.waitFor({ timeout: 5_000 });
    await node.locator('.topic-toggle').click();
    await app.page.locator('#topic-tree-list .topic-node[data-path="a11y/room1"]').waitFor({ timeout: 5_000 });
    await audit(app.page, 'topics tab');
  });

  test('The Things Network tab, with an uplink', async () => {
    const env = await envs.get();
    const app = await tab.get();
    await app.openTab('ttn');
    await app.page.fill('#ttn-app-id', 'app1');
    await app.page.fill('#ttn-tenant', 'ttn');
    await app.page.click('#ttn-subscribe');
    await app.waitGranted('v3/app1@ttn/devices/+/#', '0');
    await mosquittoPub(env.broker, ['-t', 'v3/app1@ttn/devices/dev1/up', '-m', JSON.stringify(UPLINK)]);
    await app.page.locator('#ttn-events .ttn-event[data-device="dev1"]').first().waitFor({ timeout: 10_000 });
    await audit(app.page, 'TTN tab');
  });

  test('a phone (390×844): the list of connections folded, then open', async () => {
    const app = await tab.get();
    const { page } = app;
    await app.openTab('messages');
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await assertStyled(page);
      await page.locator('#connections-menu').waitFor({ state: 'visible', timeout: 5_000 });
      await app.rows('a11y/room1/temp').first().waitFor({ timeout: 5_000 });
      const folded = await violations(page);
      await page.click('#connections-menu');
      await page.locator('#connections-menu[aria-expanded="true"]').waitFor({ timeout: 5_000 });
      await page.locator('#connection-list').waitFor({ state: 'visible', timeout: 5_000 });
      const open = await violations(page);
      await page.click('#connections-menu');
      const all = [...folded.map((v) => ({ ...v, help: `[list folded] ${v.help}` })),
        ...open.map((v) => ({ ...v, help: `[list open] ${v.help}` }))];
      assert.equal(all.length, 0, `axe found ${all.length} violation(s) at "phone 390×844":\n${describeViolations(all)}`);
    } finally {
      await page.setViewportSize({ width: 1280, height: 1000 });
    }
  });

  test('two connections, all connections\' feed, history settings, share link and rename form open', async () => {
    const env = await envs.get();
    const app = await tab.get();
    const { page } = app;
    await page.click('#connection-add');
    await page.locator('#connection-list li.connection-item.selected .connection-pick', { hasText: 'New connection' })
      .waitFor({ timeout: 5_000 });
    await app.connect({ url: env.broker.url('ws') });
    await app.subscribe('a11y/#', '0');
    await mosquittoPub(env.broker, ['-t', 'a11y/both', '-q', '1', '-m', 'to both connections']);
    await page.click('#feed-scope-all');
    await page.locator('#feed-list .message .conn-tag').first().waitFor({ timeout: 10_000 });
    await page.click('#history-summary');
    await page.locator('#history-max-messages').waitFor({ state: 'visible', timeout: 5_000 });
    const selected = page.locator('#connection-list li.connection-item.selected');
    await selected.locator('.connection-copy-link').click();
    await page.locator('#share-link').waitFor({ timeout: 5_000 });
    await selected.locator('.connection-rename').click();
    await page.locator('#connection-name').waitFor({ timeout: 5_000 });
    await audit(page, 'two connections, all view, history settings, share link, rename form');
  });

  test('the dark theme', async () => {
    const app = await tab.get();
    const { page } = app;
    // Theme: system → dark.
    await assertStyled(page);
    await page.click('#theme-toggle');
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached', timeout: 5_000 });
    const dark = await violations(page);
    // The theme the system asks for (prefers-color-scheme: dark, the toggle on "system").
    await page.click('#theme-toggle'); // dark → light
    await page.click('#theme-toggle'); // light → system
    await page.locator('html:not([data-theme])').waitFor({ state: 'attached', timeout: 5_000 });
    await page.emulateMedia({ colorScheme: 'dark' });
    let system;
    try {
      await assertStyled(page);
      assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme), 'dark',
        'the system\'s dark scheme is followed');
      system = await violations(page);
    } finally {
      await page.emulateMedia({ colorScheme: null });
    }
    const all = [...dark.map((v) => ({ ...v, help: `[toggle: dark] ${v.help}` })),
      ...system.map((v) => ({ ...v, help: `[system: prefers-color-scheme dark] ${v.help}` }))];
    assert.equal(all.length, 0, `axe found ${all.length} violation(s) in the dark theme (connected, all view):\n${describeViolations(all)}`);
    const distinct = [...new Set(app.errors.map((e) => e.split('\n').slice(0, 2).join(' ')))];
    assert.deepEqual(distinct, [],
      `the page reported ${app.errors.length} error(s) on the way; the first in full:\n${(app.errors[0] ?? '').slice(0, 2500)}`);
  });
});
