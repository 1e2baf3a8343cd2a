// The static build works from a sub-path (here /labs/mqtt/), as on a lab's web server
// or GitHub Pages, with a tutorial link that sets up the broker and subscribes to its topic.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { APP_PREFIX, lazyEnv, mosquittoPub, waitUntil } from './lib/harness.mjs';

// What the page loads from the server, on every visit: no service worker, which would
// answer the second visit from its cache (the offline app is pwa.test.mjs's).
const envs = lazyEnv({ serviceWorkers: 'block' });
after(() => envs.stop());

for (const page of ['', 'index.html']) {
  test(`${APP_PREFIX}${page}?url=…&topic=…: loads only from the sub-path, sets up the connection, subscribes after CONNACK, receives`,
    { timeout: 60_000 }, async () => {
      const env = await envs.get();
      const url = env.broker.url('ws');
      const first = env.server.requests.length;
      const app = await env.openApp(`${page}?url=${encodeURIComponent(url)}&topic=${encodeURIComponent('lab/#')}`);
      try {
        assert.equal(new URL(app.page.url()).pathname, `${APP_PREFIX}${page}`);
        assert.equal(await app.page.title(), 'WebMQTT');
        assert.match(await app.page.locator('#app-version').textContent(), /^v\d+\.\d+\.\d+/);
        assert.equal(await app.page.inputValue('#broker-url'), url, 'the link pre-filled the broker');
        const saved = app.page.locator('#subscription-list .subscription[data-filter="lab/#"] .sub-state');
        assert.equal(await saved.textContent(), 'subscribes when connected', 'the link\'s topic is a saved subscription');

        // Everything the page loaded came from under the sub-path, and was found.
        // (Chromium asks for /favicon.ico by itself; the app has none.)
        // The browser asks for the icon after the page has loaded: wait until every
        // request made so far has its answer before judging them.
        await waitUntil(() => env.server.requests.slice(first).every((r) => r.answered), 10_000,
          'the server to answer every request');
        const requests = env.server.requests.slice(first).filter((r) => r.path !== '/favicon.ico');
        const outside = requests.filter((r) => !r.path.startsWith(APP_PREFIX));
        assert.deepEqual(outside, [], 'no request outside the sub-path');
        assert.deepEqual(requests.filter((r) => r.status !== 200), [], 'every request answered 200');
        for (const ext of ['.js', '.wasm', '.css']) {
          assert.ok(requests.some((r) => r.path.endsWith(ext)), `a ${ext} file was loaded: ${JSON.stringify(requests)}`);
        }
        assert.ok(requests.some((r) => r.path === `${APP_PREFIX}loader.js`), 'the loader was loaded');

        await app.page.click('#connect');
        await app.waitStatus('connected');
        // Subscribed right after CONNACK, with no click.
        await app.waitGranted('lab/#', '0');
        const topic = `lab/e2e/subpath/${page || 'dir'}`;
        await mosquittoPub(env.broker, ['-t', topic, '-m', 'served from a sub-path']);
        assert.equal((await app.row(topic)).preview, 'served from a sub-path');
        assert.deepEqual(app.errors.filter((e) => /Failed to load|404|MIME/i.test(e)), [], 'nothing failed to load');
      } finally {
        await app.close();
      }
    });
}
