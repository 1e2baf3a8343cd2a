// The topic tree while messages arrive: a row's count, last value and time change in
// place, so a press on a busy topic is still a click when the button comes up, and
// search results are labelled with the whole topic.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { lazyEnv, mosquittoPub, waitUntil } from './lib/harness.mjs';

const envs = lazyEnv();
after(() => envs.stop());

test('a busy topic keeps its row: counts change in place, a press is a click', { timeout: 60_000 }, async () => {
  const env = await envs.get();
  const app = await env.openApp();
  const node = (path) => app.page.locator(`#topic-tree-list .topic-node[data-path="${path}"]`);
  const pub = (topic, payload) => mosquittoPub(env.broker, ['-t', topic, '-m', payload]);
  try {
    await app.connect({ url: env.broker.url('ws') });
    await app.subscribe('busy/#', '0');
    await pub('busy/a', 'a1');
    await pub('busy/b', 'b1');
    await app.openTab('topics');
    await node('busy').locator('.topic-toggle').click();
    await node('busy/a').waitFor({ timeout: 5_000 });
    // Both first messages in the tree (b1 may come in the batch after a1's) before the rows are marked.
    await node('busy/b').waitFor({ timeout: 5_000 });
    await waitUntil(async () => (await node('busy').locator('.topic-count').textContent()) === '2', 5_000, 'busy counts 2');
    // Marked, to tell whether the rows are the same elements after the next messages.
    await app.page.$$eval('#topic-tree-list .topic-node', (lis) => lis.forEach((li) => { li.dataset.mark = 'kept'; }));

    // Pressed on busy/a's name; a message on busy/a arrives; then the button comes up.
    await node('busy/a').locator('.topic-name').hover();
    await app.page.mouse.down();
    await pub('busy/a', 'a2');
    await waitUntil(async () => (await node('busy/a').locator('.topic-count').textContent()) === '2', 5_000, 'busy/a counts 2');
    assert.equal(await node('busy/a').locator('.topic-last').textContent(), 'a2', 'the last value changed in place');
    assert.equal(await node('busy').locator('.topic-count').textContent(), '3');
    assert.deepEqual(await app.page.$$eval('#topic-tree-list .topic-node', (lis) => lis.map((li) => li.dataset.mark ?? 'new')),
      ['kept', 'kept', 'kept'], 'the same rows, not new ones');
    await app.page.mouse.up();
    await app.page.locator('#tab-messages[aria-selected="true"]').waitFor({ timeout: 5_000 });
    assert.equal(await app.page.inputValue('#feed-filter-topic'), 'busy/a/#', 'the press was a click on busy/a');

    // Search results show the whole topic, though the same rows showed only their level.
    await app.openTab('topics');
    await node('busy').locator('.topic-toggle').click();
    assert.equal(await node('busy/b').locator('.topic-name').textContent(), 'b');
    await app.page.fill('#topic-search', 'busy/');
    await waitUntil(async () => (await node('busy/b').locator('.topic-name').textContent()) === 'busy/b', 5_000,
      'busy/b labelled with its whole topic in the search results');
    await app.page.fill('#topic-search', '');
    await waitUntil(async () => (await node('busy/b').locator('.topic-name').textContent()) === 'b', 5_000,
      'busy/b labelled with its level again');
    assert.deepEqual(app.errors, []);
  } finally {
    await app.close();
  }
});
