// MQTT 5.0 user properties (and content type): shown when a row is expanded, and
// sent from the publish form. Under 3.1.1 the broker drops them, and the row shows none.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { lazy, lazyEnv, mosquittoPub, MosquittoSub } from './lib/harness.mjs';

const envs = lazyEnv();
after(() => envs.stop());

async function publishWithProperties(env, topic) {
  await mosquittoPub(env.broker, ['-V', 'mqttv5', '-t', topic, '-q', '1', '-m', '{"t": 20}',
    '-D', 'publish', 'user-property', 'k', 'v',
    '-D', 'publish', 'user-property', 'room', 'lab 2',
    '-D', 'publish', 'content-type', 'application/json']);
}

describe('MQTT 5.0: message properties', { timeout: 60_000 }, () => {
  // One tab, connected with 5.0 and subscribed, for both tests.
  const tab = lazy(async () => {
    const env = await envs.get();
    const app = await env.openApp();
    try {
      await app.connect({ url: env.broker.url('ws'), version: '5.0' });
      await app.subscribe('lab/#', '1');
    } catch (e) {
      await app.close();
      throw e;
    }
    return app;
  }, (app) => app.close());
  after(() => tab.stop());

  test('user properties from mosquitto_pub show when the row is expanded', async () => {
    const env = await envs.get();
    const app = await tab.get();
    const topic = 'lab/e2e/props/v5';
    await publishWithProperties(env, topic);
    const row = await app.row(topic);
    assert.equal(await app.page.locator('table.properties').count(), 0, 'no property table until a row is opened');
    const { payload, properties } = await app.expand(row.locator);
    assert.equal(payload, '{"t": 20}');
    const user = properties.filter(([name]) => name === 'User Property').map(([, value]) => value);
    assert.deepEqual(user, ['k = v', 'room = lab 2'], `properties: ${JSON.stringify(properties)}`);
    assert.deepEqual(properties.find(([name]) => name === 'Content Type'), ['Content Type', 'application/json']);
  });

  test('user properties typed in the publish form reach mosquitto_sub', async () => {
    const env = await envs.get();
    const app = await tab.get();
    const topic = 'lab/e2e/props/from-page';
    const sub = await new MosquittoSub(env.broker, topic, ['-V', 'mqttv5']).start();
    try {
      await app.page.locator('details.mqtt5-properties summary').click();
      await app.page.fill('#publish-content-type', 'text/plain');
      await app.page.fill('#publish-user-properties', 'course=iot\nweek = 3');
      await app.publish({ topic, payload: 'with properties', qos: '1' });
      const got = await sub.waitFor(() => true, 10_000, 'the page\'s message');
      assert.equal(got.payload.toString('utf8'), 'with properties');
      assert.equal(got.contentType, 'text/plain');
      assert.equal(got.userProperties, 'course:iot week:3');
    } finally {
      await sub.stop();
    }
  });
});

describe('MQTT 3.1.1: message properties', { timeout: 60_000 }, () => {
  test('the same message arrives without properties, and the row shows no table', async () => {
    const env = await envs.get();
    const app = await env.openApp();
    try {
      await app.connect({ url: env.broker.url('ws'), version: '3.1.1' });
      await app.subscribe('lab/#', '1');
      const topic = 'lab/e2e/props/v311';
      await publishWithProperties(env, topic);
      const row = await app.row(topic);
      const { payload, properties } = await app.expand(row.locator);
      assert.equal(payload, '{"t": 20}');
      assert.deepEqual(properties, []);
      assert.equal(await app.page.locator('#publish-user-properties').count(), 0,
        'the 5.0 properties are not offered under 3.1.1');
    } finally {
      await app.close();
    }
  });
});
