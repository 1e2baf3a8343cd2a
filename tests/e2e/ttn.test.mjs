// The Things Network panel against mosquitto: an uplink as The Things Stack sends it
// is shown decoded; the composer sends the seed's downlink (device dev1, app app1,
// FPort 15, BE EF, NORMAL) on exactly the push topic with exactly the expected JSON;
// every invalid input shows its reason and nothing reaches the broker.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { lazy, lazyEnv, mosquittoPub, MosquittoSub, waitUntil } from './lib/harness.mjs';

const envs = lazyEnv();
after(() => envs.stop());

// Written from The Things Stack's documented uplink format.
const UPLINK = {
  end_device_ids: {
    device_id: 'dev1',
    application_ids: { application_id: 'app1' },
    dev_eui: '0004A30B001C0530',
    dev_addr: '00BCB929',
  },
  received_at: '2026-11-23T10:00:00.123Z',
  uplink_message: {
    f_port: 15,
    f_cnt: 42,
    frm_payload: 'vu8=',
    decoded_payload: { temperature: 21.5 },
    rx_metadata: [
      { gateway_ids: { gateway_id: 'gw-a' }, rssi: -97, channel_rssi: -97, snr: 7.5 },
      { gateway_ids: { gateway_id: 'gw-b' }, rssi: -81, channel_rssi: -81, snr: 9.25 },
    ],
    settings: { data_rate: { lora: { bandwidth: 125000, spreading_factor: 7, coding_rate: '4/5' } }, frequency: '868300000' },
    consumed_airtime: '0.056576s',
  },
};

const PUSH_TOPIC = 'v3/app1@ttn/devices/dev1/down/push';
const SEED_JSON = { downlinks: [{ f_port: 15, frm_payload: 'vu8=', priority: 'NORMAL' }] };

describe('The Things Network', { timeout: 120_000 }, () => {
  const setup = lazy(async () => {
    const env = await envs.get();
    const sub = await new MosquittoSub(env.broker, 'v3/app1@ttn/devices/dev1/down/#').start();
    const app = await env.openApp();
    await app.connect({ url: env.broker.url('ws') });
    await app.openTab('ttn');
    await app.page.fill('#ttn-app-id', 'app1');
    await app.page.fill('#ttn-tenant', 'ttn');
    await app.page.click('#ttn-subscribe');
    await app.waitGranted('v3/app1@ttn/devices/+/#', '0');
    return { env, sub, app };
  }, async ({ sub, app }) => {
    await app.close();
    await sub.stop();
  });
  after(() => setup.stop());

  test('an uplink sent with mosquitto_pub shows its decoded fields', async () => {
    const { env, app } = await setup.get();
    await mosquittoPub(env.broker, ['-t', 'v3/app1@ttn/devices/dev1/up', '-m', JSON.stringify(UPLINK)]);
    const row = app.page.locator('#ttn-events .ttn-event[data-device="dev1"]').filter({ hasText: 'Uplink' }).first();
    await row.waitFor({ timeout: 15_000 });
    const text = await row.textContent();
    for (const part of ['f_port 15', 'f_cnt 42', 'RSSI -81 dBm', 'SNR 9.25 dB', '2 gateways', 'SF7 BW125',
      '868300000 Hz', 'airtime 0.056576s', 'frm_payload BE EF (2 B)', '"temperature": 21.5']) {
      assert.ok(text.includes(part), `uplink row lacks "${part}": ${text}`);
    }
    // The device list learned the device; choosing it fills the composer.
    await app.page.click('#ttn-devices .ttn-device[data-device="dev1"]');
    assert.equal(await app.page.inputValue('#ttn-device-id'), 'dev1');
    assert.match(await app.page.locator('#ttn-devices').textContent(), /f_cnt 42, RSSI -81 dBm/);

    // Pressed on the device, an uplink from it arrives, then the button comes up: the row
    // shows the uplink in place, and the press is still a click.
    await app.page.fill('#ttn-device-id', '');
    await app.page.hover('#ttn-devices .ttn-device[data-device="dev1"]');
    await app.page.mouse.down();
    const next = { ...UPLINK, uplink_message: { ...UPLINK.uplink_message, f_cnt: 43 } };
    await mosquittoPub(env.broker, ['-t', 'v3/app1@ttn/devices/dev1/up', '-m', JSON.stringify(next)]);
    await waitUntil(async () => /f_cnt 43/.test(await app.page.locator('#ttn-devices').textContent()), 15_000,
      'f_cnt 43 in the device list');
    await app.page.mouse.up();
    assert.equal(await app.page.inputValue('#ttn-device-id'), 'dev1', 'the press on dev1 was a click');
  });

  test('a body that is not what TTN sends is shown raw with a note', async () => {
    const { env, app } = await setup.get();
    await mosquittoPub(env.broker, ['-t', 'v3/app1@ttn/devices/dev9/up', '-m', 'not json at all']);
    const row = app.page.locator('#ttn-events .ttn-event[data-device="dev9"]').first();
    await row.waitFor({ timeout: 15_000 });
    assert.match(await row.locator('.ttn-note').textContent(), /not JSON/);
    assert.equal(await row.locator('.ttn-raw').textContent(), 'not json at all');
  });

  test('invalid downlinks show their reason and nothing is published', async () => {
    const { app, sub } = await setup.get();
    const p = app.page;
    await p.fill('#ttn-device-id', 'dev1');
    await p.selectOption('#ttn-payload-format', 'hex');
    const cases = [
      { port: '0', payload: 'BE EF', field: 'ttn-f-port', reason: /FPort 0 carries LoRaWAN MAC commands/ },
      { port: '224', payload: 'BE EF', field: 'ttn-f-port', reason: /FPort 224 is reserved for the LoRaWAN MAC layer test protocol/ },
      { port: '300', payload: 'BE EF', field: 'ttn-f-port', reason: /FPort 300 does not exist/ },
      { port: '15', payload: 'BEX', field: 'ttn-payload', reason: /'X' at position 3 is not a hex digit/ },
      { port: '15', payload: 'BEE', field: 'ttn-payload', reason: /3 hex digits/ },
      { port: '15', payload: '00'.repeat(256), field: 'ttn-payload', reason: /256 bytes is more than a LoRaWAN frame can carry/ },
    ];
    for (const c of cases) {
      await p.fill('#ttn-f-port', c.port);
      await p.fill('#ttn-payload', c.payload);
      const error = p.locator(`#${c.field}-error`);
      await error.waitFor({ timeout: 5_000 });
      assert.match(await error.textContent(), c.reason, `${c.port} ${c.payload.slice(0, 8)}`);
      assert.equal(await p.locator('#ttn-preview-topic').textContent(), '', 'no preview while a field is invalid');
      await p.click('#ttn-send');
      assert.match(await p.locator('#ttn-outcome').textContent(), /Nothing was sent/);
    }
    // A warning, not an error: FPort 225 is reserved but may be sent.
    await p.fill('#ttn-f-port', '225');
    await p.fill('#ttn-payload', 'BE EF');
    await p.locator('#ttn-f-port-warning').waitFor({ timeout: 5_000 });
    await p.waitForTimeout(1_000);
    assert.deepEqual(sub.describe(), [], 'mosquitto_sub received something for an invalid downlink');
  });

  test("the composer sends the seed's downlink on exactly the push topic", async () => {
    const { app, sub } = await setup.get();
    const p = app.page;
    await p.fill('#ttn-device-id', 'dev1');
    await p.fill('#ttn-f-port', '15');
    await p.selectOption('#ttn-payload-format', 'hex');
    await p.fill('#ttn-payload', 'BE EF');
    await p.selectOption('#ttn-priority', 'NORMAL');
    await p.selectOption('#ttn-operation', 'push');
    assert.equal(await p.locator('#ttn-payload-forms').textContent(), 'hex BE EF · base64 vu8= · 2 bytes');
    assert.equal(await p.locator('#ttn-preview-topic').textContent(), PUSH_TOPIC);
    assert.deepEqual(JSON.parse(await p.locator('#ttn-preview-json').textContent()), SEED_JSON);
    const before = sub.messages.length;
    await p.click('#ttn-send');
    const m = await sub.waitFor((_, i) => i >= before, 15_000, 'the downlink');
    assert.equal(m.topic, PUSH_TOPIC);
    assert.deepEqual(JSON.parse(m.payload.toString('utf8')), SEED_JSON);
    await p.waitForTimeout(500);
    assert.equal(sub.messages.length, before + 1, 'exactly one message');
  });

  test('clear queue publishes an empty replace', async () => {
    const { app, sub } = await setup.get();
    const before = sub.messages.length;
    await app.page.click('#ttn-clear-queue');
    const m = await sub.waitFor((_, i) => i >= before, 15_000, 'the replace');
    assert.equal(m.topic, 'v3/app1@ttn/devices/dev1/down/replace');
    assert.deepEqual(JSON.parse(m.payload.toString('utf8')), { downlinks: [] });
  });
});
