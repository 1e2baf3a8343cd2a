// Invalid input is caught in the form, with the reason beside the field, and
// nothing goes to the broker: a mosquitto_sub on '#' started first sees only the
// valid message sent after them (MQTT keeps one client's messages in order, so had
// anything been sent before it, it would have arrived first).

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { lazy, lazyEnv, MosquittoSub } from './lib/harness.mjs';

const envs = lazyEnv();
after(() => envs.stop());

test('a broker URL with port 99999: the reason beside the field, and no connection', { timeout: 60_000 }, async () => {
  const env = await envs.get();
  const app = await env.openApp();
  try {
    await app.page.fill('#broker-url', 'ws://127.0.0.1:99999');
    const error = app.page.locator('#broker-url-error');
    await error.waitFor({ timeout: 5_000 }); // shown while typing, before Connect
    assert.equal(await error.textContent(), 'Port 99999 does not exist: ports go from 1 to 65535');
    assert.equal(await error.getAttribute('role'), 'alert');
    assert.equal(await app.page.locator('#broker-url').getAttribute('aria-describedby'), 'broker-url-error');
    await app.page.click('#connect');
    await app.page.waitForTimeout(300);
    assert.equal(await app.status().getAttribute('class'), 'status disconnected');
    assert.deepEqual(app.websockets, [], 'no WebSocket was opened');
    // Fixing the URL clears the error.
    await app.page.fill('#broker-url', env.broker.url('ws'));
    await error.waitFor({ state: 'detached', timeout: 5_000 });
  } finally {
    await app.close();
  }
});

async function stopSetup({ sub, app }) {
  await app.close();
  await sub.stop();
}

for (const version of ['3.1.1', '5.0']) {
  describe(`MQTT ${version}: invalid publish input`, { timeout: 60_000 }, () => {
    // mosquitto_sub on '#' first, then a connected tab, for the whole sequence below.
    const setup = lazy(async () => {
      const env = await envs.get();
      const sub = await new MosquittoSub(env.broker, '#').start();
      const app = await env.openApp().catch(async (e) => {
        await sub.stop();
        throw e;
      });
      const ready = { sub, app };
      await app.connect({ url: env.broker.url('ws'), version }).catch(async (e) => {
        await stopSetup(ready);
        throw e;
      });
      return ready;
    }, stopSetup);
    after(() => setup.stop());
    const outcome = (app) => app.page.locator('#publish-outcome').textContent();

    test('a topic with # is refused with the reason', async () => {
      const { app } = await setup.get();
      await app.publish({ topic: 'lab/#', payload: 'never sent', qos: '1' });
      const error = app.page.locator('#publish-topic-error');
      await error.waitFor({ timeout: 5_000 });
      assert.equal(await error.textContent(),
        "Topic: '+' and '#' are wildcards for subscriptions and cannot be used in a topic to publish to");
      assert.equal(await outcome(app), '', 'nothing reported as sent');
    });

    test('a hex payload with a non-hex digit is refused with its position', async () => {
      const { app } = await setup.get();
      await app.publish({ topic: `lab/e2e/invalid/${version}`, payload: 'BEX', format: 'hex', qos: '1' });
      const error = app.page.locator('#publish-payload-error');
      await error.waitFor({ timeout: 5_000 });
      assert.equal(await error.textContent(), "'X' at position 3 is not a hex digit (0-9, A-F)");
      assert.equal(await app.page.locator('#publish-topic-error').count(), 0, 'the topic error is gone');
      assert.equal(await outcome(app), '');
    });

    test('bad JSON is refused with line and column', async () => {
      const { app } = await setup.get();
      await app.publish({ topic: `lab/e2e/invalid/${version}`, payload: '{"a": 1,,}', format: 'json', qos: '1' });
      const error = app.page.locator('#publish-payload-error', { hasText: 'JSON' });
      await error.waitFor({ timeout: 5_000 });
      assert.match(await error.textContent(), /^not valid JSON at line 1, column \d+: .+/);
      assert.equal(await outcome(app), '');
    });

    test('nothing of the above reached the broker; a valid message after them does', async () => {
      const { app, sub } = await setup.get();
      const topic = `lab/e2e/invalid/${version}/valid`;
      await app.publish({ topic, payload: '{"ok": true}', format: 'json', qos: '1' });
      await sub.waitFor((m) => m.topic === topic, 10_000, 'the valid message');
      assert.equal(await app.page.locator('#publish-payload-error').count(), 0, 'errors clear on success');
      assert.deepEqual(sub.describe(), [{ topic, qos: 1, retain: false, payload: '{"ok": true}' }],
        'mosquitto_sub on # received the valid message only');
    });
  });
}
