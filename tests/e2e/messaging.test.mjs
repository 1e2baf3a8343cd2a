// Connect over ws:// and wss://, subscribe, receive from mosquitto_pub, publish to
// mosquitto_sub: MQTT 3.1.1 and 5.0, against a real mosquitto.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { lazy, lazyEnv, mosquittoPub, MosquittoSub } from './lib/harness.mjs';

const envs = lazyEnv({ wss: true });
after(() => envs.stop());

for (const version of ['3.1.1', '5.0']) {
  for (const transport of ['ws', 'wss']) {
    const base = `lab/e2e/${version}/${transport}`;
    describe(`MQTT ${version} over ${transport}://`, { timeout: 90_000 }, () => {
      // One tab for the whole sequence below.
      const tab = lazy(async () => (await envs.get()).openApp(), (app) => app.close());
      after(() => tab.stop());

      test('connects, and the status bar names the broker', async () => {
        const env = await envs.get();
        const app = await tab.get();
        const url = env.broker.url(transport);
        await app.connect({ url, version });
        const status = await app.status().textContent();
        assert.ok(status.startsWith(`Connected to ${url}/ since `), `status: ${status}`);
        assert.equal(await app.page.locator('#problem').count(), 0, 'no problem is shown');
        assert.deepEqual(app.websockets, [`${url}/`]);
      });

      test('subscribes to lab/# and shows retained and live QoS 1 messages from mosquitto_pub', async () => {
        const env = await envs.get();
        const app = await tab.get();
        // Retained before the subscription: delivered on subscribe, with the retain flag.
        await mosquittoPub(env.broker, ['-t', `${base}/retained`, '-q', '1', '-r', '-m', `kept ${version} ${transport}`]);
        await app.subscribe('lab/#', '1');
        const retained = await app.row(`${base}/retained`);
        assert.equal(retained.topic, `${base}/retained`);
        assert.equal(retained.preview, `kept ${version} ${transport}`);
        assert.equal(retained.qos, 'QoS 1');
        assert.equal(retained.retained, true, 'a retained message is marked "retained"');

        // Live, not retained.
        const payload = `{"temp": 21.5, "unit": "°C", "via": "${transport}"}`;
        await mosquittoPub(env.broker, ['-t', `${base}/live`, '-q', '1', '-m', payload]);
        const live = await app.row(`${base}/live`);
        assert.equal(live.topic, `${base}/live`);
        assert.equal(live.preview, payload);
        assert.equal(live.qos, 'QoS 1');
        assert.equal(live.retained, false, 'a live message is not marked "retained"');
        assert.equal(live.size, `${Buffer.byteLength(payload)} B`);
        const { payload: shown } = await app.expand(live.locator);
        assert.equal(shown, payload, 'the expanded row shows the whole payload');
        assert.equal(await app.rows(`${base}/live`).count(), 1, 'one message, one row');
      });

      test('a message published from the page reaches mosquitto_sub exactly', async () => {
        const env = await envs.get();
        const app = await tab.get();
        const sub = await new MosquittoSub(env.broker, `${base}/from-page/#`).start();
        try {
          const text = `héllo ✓ from the page (${version}, ${transport})`;
          await app.publish({ topic: `${base}/from-page/text`, payload: text, qos: '1' });
          const got = await sub.waitFor((m) => m.topic === `${base}/from-page/text`, 10_000, 'the text message');
          assert.deepEqual(got.payload, Buffer.from(text, 'utf8'));
          assert.equal(got.qos, 1);
          // QoS 1: the broker's PUBACK shows in the form.
          await app.page.locator('#publish-outcome', { hasText: 'acknowledged by the broker' }).waitFor({ timeout: 10_000 });

          await app.publish({ topic: `${base}/from-page/hex`, payload: 'BE EF 00 01', format: 'hex', qos: '0' });
          const bin = await sub.waitFor((m) => m.topic === `${base}/from-page/hex`, 10_000, 'the hex message');
          assert.deepEqual(bin.payload, Buffer.from([0xbe, 0xef, 0x00, 0x01]));
          assert.equal(bin.qos, 0);
          assert.equal(sub.messages.length, 2, `nothing else: ${JSON.stringify(sub.describe())}`);
        } finally {
          await sub.stop();
        }

        // Retained from the page: a client subscribing later gets it, flagged retained.
        await app.publish({ topic: `${base}/from-page/retained`, payload: 'retained from the page', qos: '1', retain: true });
        await app.page.locator('#publish-outcome', { hasText: 'acknowledged by the broker' }).waitFor({ timeout: 10_000 });
        const late = await new MosquittoSub(env.broker, `${base}/from-page/retained`).start();
        try {
          const got = await late.waitFor(() => true, 10_000, 'the retained message');
          assert.equal(got.payload.toString('utf8'), 'retained from the page');
          assert.equal(got.retain, true);
        } finally {
          await late.stop();
        }
      });

      test('disconnects', async () => {
        const app = await tab.get();
        await app.disconnect();
        assert.equal(await app.status().textContent(), 'Disconnected');
        assert.equal(await app.page.locator('#problem').count(), 0, 'a disconnect the user asked for is no problem');
      });
    });
  }
}
