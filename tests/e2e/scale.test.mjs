// The feed under load: after 50,000 messages the header counts exactly 50,000, the
// buffer holds the newest 10,000 in order, the page still answers a click; the topic
// tree counts 1,000 topics right; a 1 MiB payload is shown whole.
// (Checks that the page is not frozen, not measures of speed: see bench/browser.)

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { lazyEnv, publishAll } from './lib/harness.mjs';

const envs = lazyEnv();
after(() => envs.stop());


const text = (page, selector) => page.locator(selector).textContent();

describe('a feed that survives floods', { timeout: 240_000 }, () => {
  test('50,000 messages: exact count, the newest 10,000 in order, the page answers', async () => {
    const env = await envs.get();
    const app = await env.openApp();
    try {
      await app.connect({ url: env.broker.url('ws') });
      await app.subscribe('flood/#', '0');
      const N = 50_000;
      await publishAll(env.broker.ports.mqtt, Array.from({ length: N }, (_, i) => ['flood/a', String(i + 1)]));
      await app.page.waitForFunction((n) => document.querySelector('#feed-received')?.textContent === String(n), N,
        { timeout: 180_000, polling: 250 });
      assert.equal(await text(app.page, '#feed-received'), '50000');
      assert.equal(await text(app.page, '#feed-buffered'), '10000');
      assert.equal(await text(app.page, '#feed-dropped'), '40000');
      // Only the rows in view exist, newest first, one after another.
      const top = await app.page.$$eval('#feed-list .feed-row .preview', (els) => els.map((e) => Number(e.textContent)));
      assert.ok(top.length > 0 && top.length < 200, `${top.length} rows in the DOM`);
      assert.deepEqual(top, top.map((_, i) => 50_000 - i), 'newest first, in order');
      // The oldest kept is 40,001: scroll to the end of the list.
      await app.page.$eval('#feed-viewport', (el) => { el.scrollTop = el.scrollHeight; });
      await app.page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('#feed-list .feed-row .preview')];
        return rows.length > 0 && rows[rows.length - 1].textContent === '40001';
      }, null, { timeout: 10_000 });
      const bottom = await app.page.$$eval('#feed-list .feed-row .preview', (els) => els.map((e) => Number(e.textContent)));
      assert.deepEqual(bottom, bottom.map((_, i) => bottom[0] - i), 'in order at the end too');
      // Not frozen: a click is answered within 5 s.
      await app.page.click('#feed-pause', { timeout: 5_000 });
      await app.page.locator('#feed-pause[aria-pressed="true"]').waitFor({ timeout: 5_000 });
      assert.deepEqual(app.errors, []);
    } finally {
      await app.close();
    }
  });

  test('the topic tree counts 1,000 topics', async () => {
    const env = await envs.get();
    const app = await env.openApp();
    try {
      await app.connect({ url: env.broker.url('ws') });
      await app.subscribe('tree/#', '0');
      const messages = [];
      for (let i = 0; i < 1000; i++) {
        for (let k = 0; k <= i % 3; k++) messages.push([`tree/g${i % 10}/t${i}`, `v${i}-${k}`]);
      }
      await publishAll(env.broker.ports.mqtt, messages);
      await app.page.waitForFunction((n) => document.querySelector('#feed-received')?.textContent === String(n),
        messages.length, { timeout: 60_000, polling: 250 });
      await app.openTab('topics');
      assert.equal(await text(app.page, '#topic-tree-counts'), `1000 topics · ${messages.length} messages`);
      // One level: tree; open it: g0 … g9, each with 100 topics below.
      const node = (path) => app.page.locator(`#topic-tree-list .topic-node[data-path="${path}"]`);
      await node('tree').locator('.topic-toggle').click();
      await node('tree/g7').waitFor({ timeout: 5_000 });
      const g7 = messages.filter(([t]) => t.startsWith('tree/g7/')).length;
      assert.equal(await node('tree/g7').locator('.topic-count').textContent(), String(g7));
      // Search finds a topic; its count and last value are right (17 % 3 + 1 = 3 messages).
      await app.page.fill('#topic-search', 'tree/g7/t17');
      await node('tree/g7/t17').waitFor({ timeout: 5_000 });
      assert.equal(await node('tree/g7/t17').locator('.topic-count').textContent(), '3');
      assert.equal(await node('tree/g7/t17').locator('.topic-last').textContent(), 'v17-2');
      // Choosing a node narrows the feed to it, and shows the feed.
      await node('tree/g7/t17').locator('.topic-name').click();
      await app.page.locator('#tab-messages[aria-selected="true"]').waitFor({ timeout: 5_000 });
      assert.equal(await app.page.inputValue('#feed-filter-topic'), 'tree/g7/t17/#');
      await app.page.waitForFunction(() => {
        const topics = [...document.querySelectorAll('#feed-list .feed-row')].map((r) => r.dataset.topic);
        return topics.length === 3 && topics.every((t) => t === 'tree/g7/t17');
      }, null, { timeout: 5_000 });
    } finally {
      await app.close();
    }
  });

  test('a 1 MiB payload is shown whole, with its size', async () => {
    const env = await envs.get();
    const app = await env.openApp();
    try {
      await app.connect({ url: env.broker.url('ws') });
      await app.subscribe('big/#', '0');
      const payload = 'x'.repeat(1024 * 1023) + 'y'.repeat(1024);
      await publishAll(env.broker.ports.mqtt, [['big/one', payload]]);
      const row = await app.row('big/one', 30_000);
      assert.equal(row.size, '1.0 MiB');
      assert.ok(row.preview.length <= 121 && row.preview.endsWith('…'), 'the row shows a preview');
      const { payload: shown } = await app.expand(row.locator);
      assert.equal(shown.length, 1024 * 1024, 'the whole payload, not cut');
      assert.equal(shown, payload);
      assert.match(await text(app.page, '#message-detail .note'), /\(1048576 bytes\)/);
    } finally {
      await app.close();
    }
  });
});
