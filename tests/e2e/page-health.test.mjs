// The page under its own Content-Security-Policy (index.html: no inline script, no
// inline style): a whole session breaks none of its rules and logs no error; the
// message list, however long, scrolls down to the oldest message; and while the app
// downloads, the page says so.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { lazyEnv, waitUntil } from './lib/harness.mjs';

const envs = lazyEnv();
after(() => envs.stop());
// Without the service worker, so that the page's requests reach the test's server.
const envsWithoutWorker = lazyEnv({ serviceWorkers: 'block' });
after(() => envsWithoutWorker.stop());

// On a slow link the app's download takes seconds: the page says it is loading
// (web/loader.js) rather than stay blank, and says nothing of it once the app runs.
test('while the app downloads the page says it is loading, and once the app runs it does not', { timeout: 60_000 }, async () => {
  const env = await envsWithoutWorker.get();
  const page = await env.browser.context.newPage();
  // Held at the server: Playwright's page.route, holding the request, also held back
  // the page's module scripts.
  const release = env.server.hold(/_bg\.wasm$/);
  try {
    // Not 'domcontentloaded': that waits for loader.js, whose module waits for the wasm.
    await page.goto(env.server.appUrl, { waitUntil: 'commit', timeout: 30_000 });
    const loading = page.locator('#app-loading[role=status]');
    await loading.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await loading.textContent(), 'Loading WebMQTT…');
    assert.equal(await page.locator('#connect').count(), 0, 'the app has not started: its wasm is held');
    release();
    await page.locator('#connect').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await page.locator('#app-loading').count(), 0, 'the loading line is gone once the app runs');
  } finally {
    release();
    await page.close();
  }
});

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

// The feed recycles its rows (a row is a place in the list, showing whichever message is
// there now): as messages arrive, every part of every row must change with it, and the
// selection must follow the message, not the place.
test('rows follow their messages: new arrivals shift every part of each row, the selection stays on its message',
  { timeout: 60_000 }, async () => {
    const env = await envs.get();
    const app = await env.openApp();
    const topic = 'lab/e2e/recycle';
    const pub = (lines, qos) => {
      const r = spawnSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(env.broker.ports.mqtt),
        '-t', topic, '-q', qos, '-l'], { input: lines.map((l) => `${l}\n`).join(''), timeout: 15_000 });
      assert.equal(r.status, 0, String(r.stderr));
    };
    const shown = () => app.page.evaluate((t) => [...document.querySelectorAll(`#feed-list .message[data-topic="${t}"]`)]
      .map((li) => ({
        seq: Number(li.dataset.seq),
        topic: li.querySelector('.topic')?.textContent,
        qos: li.querySelector('.qos')?.textContent,
        preview: li.querySelector('.preview')?.textContent,
        selected: li.classList.contains('selected'),
        pressed: li.querySelector('.message-summary')?.getAttribute('aria-pressed'),
      })), topic);
    try {
      await app.connect({ url: env.broker.url('ws'), version: '3.1.1' });
      await app.subscribe('lab/e2e/recycle', '1');
      pub(['m0', 'm1', 'm2'], '0');
      await waitUntil(async () => (await shown()).length === 3, 15_000, 'three rows');
      await app.rows(topic).filter({ hasText: 'm1' }).locator('.message-summary').click();
      await app.page.locator('#detail-payload').filter({ hasText: /^m1$/ }).waitFor({ timeout: 5_000 });
      // Off the list: a mouse resting on it holds the rows (feed-hold.test.mjs).
      await app.page.mouse.move(0, 0);

      pub(['m3'], '1');
      pub(['m4'], '0');
      await waitUntil(async () => (await shown()).length === 5, 15_000, 'five rows');
      const rows = await shown();
      assert.deepEqual(rows.map((r) => r.preview), ['m4', 'm3', 'm2', 'm1', 'm0'], 'newest first, each row its own payload');
      assert.deepEqual(rows.map((r) => r.qos), ['QoS 0', 'QoS 1', 'QoS 0', 'QoS 0', 'QoS 0'], 'each row its own QoS');
      assert.ok(rows.every((r) => r.topic === topic), 'each row its topic');
      assert.ok(rows.every((r, i) => i === 0 || r.seq < rows[i - 1].seq), `sequence numbers fall down the list: ${JSON.stringify(rows)}`);
      assert.deepEqual(rows.map((r) => [r.preview, r.selected, r.pressed]),
        [['m4', false, 'false'], ['m3', false, 'false'], ['m2', false, 'false'], ['m1', true, 'true'], ['m0', false, 'false']],
        'the selection moved down with m1');
      assert.equal(await app.page.locator('#detail-payload').textContent(), 'm1', 'the detail pane still shows m1');

      // Clicking the row now showing m3 selects m3.
      await app.rows(topic).filter({ hasText: 'm3' }).locator('.message-summary').click();
      await app.page.locator('#detail-payload').filter({ hasText: /^m3$/ }).waitFor({ timeout: 5_000 });
      assert.deepEqual((await shown()).filter((r) => r.selected).map((r) => r.preview), ['m3']);
    } finally {
      await app.close();
    }
  });

// The browser build aborts on a panic (-C panic=immediate-abort): the wasm traps and
// nothing of the app answers any more. web/loader.js must then say so, not leave a
// frozen page. The trap is raised here as the page would see it: an uncaught
// WebAssembly.RuntimeError, from an event handler and from a promise.
for (const from of ['an event handler', 'a promise']) {
  test(`when the app stops (a trap in ${from}), the page says so and Reload brings it back`, { timeout: 60_000 }, async () => {
    const env = await envs.get();
    const app = await env.openApp();
    try {
      assert.equal(await app.page.locator('#app-failure').count(), 0, 'no failure banner while the app runs');
      await app.page.evaluate((kind) => {
        const trap = () => new WebAssembly.RuntimeError('unreachable');
        if (kind === 'a promise') Promise.reject(trap());
        else setTimeout(() => { throw trap(); });
      }, from);
      const banner = app.page.locator('#app-failure[role=alert]');
      await banner.waitFor({ state: 'visible', timeout: 10_000 });
      assert.match(await banner.textContent(), /stopped after an internal error.*reload the page/i);
      await Promise.all([app.page.waitForNavigation(), banner.getByRole('button', { name: 'Reload' }).click()]);
      await app.page.locator('#connect').waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal(await app.page.locator('#app-failure').count(), 0, 'the reloaded app runs without the banner');
    } finally {
      await app.close();
    }
  });
}
