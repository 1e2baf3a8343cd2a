// MQTT 5.0 DISCONNECT from the page (issue 11, item 8): "Disconnect and send will"
// makes the broker publish the last will; a plain Disconnect does not; a session
// expiry the protocol does not allow at disconnect is refused in words, and the
// connection stays up.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { lazyEnv, MosquittoSub, sleep } from './lib/harness.mjs';

const envs = lazyEnv();
after(() => envs.stop());

const WILL_TOPIC = 'lab/e2e/will';

async function connectWithWill(app, url) {
  const p = app.page;
  if (!(await p.locator('details.will').evaluate((d) => d.open))) await p.click('details.will summary');
  await p.fill('#will-topic', WILL_TOPIC);
  await p.fill('#will-payload', 'the page went away');
  await app.connect({ url, version: '5.0' });
}

test('MQTT 5.0: "Disconnect and send will" publishes the will; a plain Disconnect does not', { timeout: 90_000 }, async () => {
  const env = await envs.get();
  const url = env.broker.url('ws');
  const app = await env.openApp();
  const sub = await new MosquittoSub(env.broker, WILL_TOPIC).start();
  try {
    const p = app.page;
    await connectWithWill(app, url);

    // A session expiry after CONNECT said none: refused before anything is sent.
    await p.click('.disconnect-options summary');
    await p.fill('#disconnect-session-expiry', '60');
    await p.click('#disconnect-with-expiry');
    assert.match(await p.locator('#disconnect-error').textContent(), /session expiry of 60 s cannot be set now/);
    await app.waitStatus('connected', 2_000);

    await p.fill('#disconnect-session-expiry', '');
    await p.click('#disconnect-with-will');
    await app.waitStatus('disconnected');
    const will = await sub.waitFor(() => true, 10_000, 'the will, published by the broker');
    assert.equal(will.payload.toString('utf8'), 'the page went away');

    // Connected again, then the plain Disconnect: the broker keeps the will to itself.
    await connectWithWill(app, url);
    const before = sub.messages.length;
    await p.click('#disconnect');
    await app.waitStatus('disconnected');
    await sleep(1_500);
    assert.equal(sub.messages.length, before, 'no will after a normal disconnect');
    assert.deepEqual(app.errors, [], 'no page errors');
  } finally {
    await sub.stop();
    await app.close();
  }
});
