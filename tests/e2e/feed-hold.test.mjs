// The list shows the newest message first, so in a stream every new message moves each
// row down to another message. While the user reads (the list scrolled away from its
// top, a mouse on it, or the keyboard on a row) the rows stay where they are and a
// button counts what arrived; it brings the newest back. A tap takes the message it
// pressed, even if one arrived before the finger came up.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { lazyEnv, waitUntil } from './lib/harness.mjs';

const envs = lazyEnv();
after(() => envs.stop());

test('rows stay put while the user reads; the new-messages button brings the newest', { timeout: 90_000 }, async () => {
  const env = await envs.get();
  const app = await env.openApp();
  const topic = 'lab/e2e/hold';
  const pub = (from, to) => {
    const lines = Array.from({ length: to - from + 1 }, (_, i) => `m${from + i}`);
    const r = spawnSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(env.broker.ports.mqtt), '-t', topic, '-l'],
      { input: lines.map((l) => `${l}\n`).join(''), timeout: 15_000 });
    assert.equal(r.status, 0, String(r.stderr));
  };
  // The rows inside the viewport's visible box, top to bottom.
  const inView = () => app.page.evaluate(() => {
    const vp = document.querySelector('#feed-viewport').getBoundingClientRect();
    return [...document.querySelectorAll('#feed-list .message')]
      .filter((li) => { const r = li.getBoundingClientRect(); return r.top >= vp.top - 1 && r.bottom <= vp.bottom + 1; })
      .map((li) => li.querySelector('.preview').textContent);
  });
  const newer = () => app.page.locator('#feed-newer');
  const received = () => app.page.locator('#feed-received').textContent();
  try {
    await app.connect({ url: env.broker.url('ws'), version: '3.1.1' });
    await app.subscribe(topic, '0');
    pub(1, 60);
    await waitUntil(async () => (await inView())[0] === 'm60', 15_000, 'm60 on top');

    // Scrolled down to read: the same messages stay in the same places.
    await app.page.mouse.move(0, 0);
    await app.page.$eval('#feed-viewport', (el) => { el.scrollTop = 10 * el.querySelector('.message').offsetHeight; });
    await waitUntil(async () => (await inView())[0] === 'm50', 5_000, 'm50 on top of the view after scrolling');
    // What is read: once the rows drawn for the new scroll position have settled.
    let reading = await inView();
    await waitUntil(async () => {
      await new Promise((r) => setTimeout(r, 300));
      const now = await inView();
      const same = JSON.stringify(now) === JSON.stringify(reading);
      reading = now;
      return same;
    }, 5_000, 'the rows in view settled');
    pub(61, 70);
    await waitUntil(async () => (await received()) === '70', 15_000, '70 received');
    await newer().filter({ hasText: '10 new messages' }).waitFor({ timeout: 5_000 });
    assert.deepEqual(await inView(), reading, 'the rows being read did not move');

    // The button goes back to the top, to the newest.
    await newer().click();
    await waitUntil(async () => (await inView())[0] === 'm70', 5_000, 'm70 on top after "new messages"');
    assert.equal(await app.page.$eval('#feed-viewport', (el) => el.scrollTop), 0);
    await app.page.mouse.move(0, 0);
    await newer().waitFor({ state: 'detached', timeout: 5_000 });

    // A mouse on the list holds it too, and the click opens the row it is on.
    const m68 = app.page.locator('#feed-list .message:has(.preview:text-is("m68")) .message-summary');
    await m68.hover();
    pub(71, 73);
    await waitUntil(async () => (await received()) === '73', 15_000, '73 received');
    await newer().filter({ hasText: '3 new messages' }).waitFor({ timeout: 5_000 });
    assert.equal((await inView())[0], 'm70', 'still m70 on top under the mouse');
    await m68.click();
    await app.page.locator('#detail-payload').filter({ hasText: /^m68$/ }).waitFor({ timeout: 5_000 });
    // Off the list, it is live again.
    await app.page.mouse.move(0, 0);
    await waitUntil(async () => (await inView())[0] === 'm73', 5_000, 'm73 on top once the mouse left');
    await newer().waitFor({ state: 'detached', timeout: 5_000 });

    // A tap: pressed on m72's row, a message arrives (shifting the rows), then the finger
    // comes up. The click takes m72, not what moved into the row.
    await app.page.$eval(`#feed-list .message[data-topic="${topic}"]:nth-child(2) .message-summary`, (b) => {
      b.dispatchEvent(new PointerEvent('pointerdown', { pointerType: 'touch', bubbles: true, isPrimary: true }));
    });
    assert.equal(await app.page.$eval('#feed-list .message:nth-child(2) .preview', (e) => e.textContent), 'm72');
    pub(74, 74);
    await waitUntil(async () => (await inView())[0] === 'm74', 5_000, 'm74 on top');
    assert.equal(await app.page.$eval('#feed-list .message:nth-child(2) .preview', (e) => e.textContent), 'm73',
      'the pressed row now shows the message that moved into it');
    await app.page.$eval('#feed-list .message:nth-child(2) .message-summary', (b) => {
      b.dispatchEvent(new MouseEvent('click', { bubbles: true, detail: 1 }));
    });
    await app.page.locator('#detail-payload').filter({ hasText: /^m72$/ }).waitFor({ timeout: 5_000 });

    // The keyboard on a row holds the list, from row to row, until it leaves.
    const focused = () => app.page.evaluate(() => document.activeElement?.closest('li')?.querySelector('.preview')?.textContent);
    await app.page.focus('#feed-viewport');
    await app.page.keyboard.press('Tab');
    assert.equal(await focused(), 'm74');
    pub(75, 75);
    await newer().filter({ hasText: '1 new message' }).waitFor({ timeout: 5_000 });
    assert.equal((await inView())[0], 'm74', 'still m74 on top with the keyboard on it');
    await app.page.keyboard.press('Tab');
    assert.equal(await focused(), 'm73', 'the next row is the next message');
    pub(76, 76);
    await newer().filter({ hasText: '2 new messages' }).waitFor({ timeout: 5_000 });
    assert.equal((await inView())[0], 'm74', 'moving from row to row did not let go');
    await app.page.focus('#feed-filter-text');
    await waitUntil(async () => (await inView())[0] === 'm76', 5_000, 'm76 on top once the keyboard left');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
