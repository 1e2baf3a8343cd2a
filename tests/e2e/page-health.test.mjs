// The page under its own Content-Security-Policy (index.html: no inline script, no
// inline style): a whole session breaks none of its rules and logs no error; and the
// message list, however long, scrolls down to the oldest message.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { lazyEnv, waitUntil } from './lib/harness.mjs';

const envs = lazyEnv();
after(() => envs.stop());

for (const version of ['3.1.1', '5.0']) {
  test(`MQTT ${version}: a whole session breaks no CSP rule and logs no error`, { timeout: 60_000 }, async () => {
    const env = await envs.get();
    const app = await env.openApp();
    try {
      await app.connect({ url: env.broker.url('ws'), version });
      await app.subscribe('lab/#', '1');
      const topic = `lab/e2e/health/${version}`;
      await app.publish({ topic, payload: '{"a": [1, 2]}', format: 'json', qos: '1' });
      await app.expand((await app.row(topic)).locator);
      await app.disconnect();
      const violations = await app.cspViolations();
      assert.deepEqual(violations, [], `CSP violations: ${JSON.stringify(violations)}`);
      assert.deepEqual(app.errors, [], 'nothing logged as an error');
    } finally {
      await app.close();
    }
  });
}

test('100 messages: the list scrolls down to the oldest', { timeout: 60_000 }, async () => {
  const env = await envs.get();
  const app = await env.openApp();
  try {
    await app.connect({ url: env.broker.url('ws'), version: '3.1.1' });
    await app.subscribe('lab/#', '0');
    // mosquitto_pub -l: one message per line, m0 (the oldest) … m99.
    const lines = Array.from({ length: 100 }, (_, i) => `m${i}`).join('\n') + '\n';
    const pub = spawnSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(env.broker.ports.mqtt),
      '-t', 'lab/e2e/many', '-l'], { input: lines, timeout: 15_000 });
    assert.equal(pub.status, 0, String(pub.stderr));
    await waitUntil(async () => (await app.rows('lab/e2e/many').count()) > 0, 15_000, 'the first rows');
    await app.page.waitForFunction(() => /^100 received/.test(document.querySelector('#feed-counts')?.textContent ?? ''),
      null, { timeout: 15_000 });

    // Scroll down as a user would, a screenful at a time, until m0 is in view or the
    // scroller (the list's own, or the page) cannot go further.
    const step = () => app.page.evaluate(() => {
      const list = document.querySelector('#feed-list');
      let scroller = list.parentElement;
      while (scroller && !(scroller.scrollHeight > scroller.clientHeight
        && /(auto|scroll)/.test(getComputedStyle(scroller).overflowY))) {
        scroller = scroller.parentElement;
      }
      const view = scroller ? scroller.getBoundingClientRect() : { top: 0, bottom: window.innerHeight };
      const inView = [...list.querySelectorAll('.message')].filter((li) => {
        const r = li.getBoundingClientRect();
        return r.height > 0 && r.bottom > view.top && r.top < view.bottom;
      }).map((li) => li.querySelector('.preview')?.textContent);
      const el = scroller ?? document.scrollingElement;
      const before = el.scrollTop;
      el.scrollTop = before + Math.max(1, Math.floor(el.clientHeight * 0.8));
      return { inView, moved: el.scrollTop !== before };
    });
    let last = { inView: [] };
    let stuck = 0;
    for (let i = 0; i < 300 && stuck < 5; i++) {
      last = await step();
      if (last.inView.includes('m0')) break;
      stuck = last.moved ? 0 : stuck + 1;
      await app.page.waitForTimeout(50); // let the list follow the scroll
    }
    assert.ok(last.inView.includes('m0'),
      `the oldest message (m0) never came into view; at the end of scrolling: ${JSON.stringify(last.inView)}`);
  } finally {
    await app.close();
  }
});
