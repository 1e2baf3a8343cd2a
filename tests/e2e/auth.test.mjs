// A broker listener that wants a user name and password (allow_anonymous false,
// password_file made with mosquitto_passwd -b): a wrong password is refused in words,
// with the hint, and not retried; the right one connects.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { lazyEnv, sleep } from './lib/harness.mjs';

const envs = lazyEnv({ auth: true });
after(() => envs.stop());

// What mosquitto 2.0.11 answers a wrong password with (mosquitto_sub prints the same
// words): CONNACK return code 5 for 3.1.1, reason code 0x87 for 5.0.
const REFUSAL = {
  '3.1.1': 'Connection Refused: not authorised.',
  '5.0': 'Not authorized',
};

for (const version of ['3.1.1', '5.0']) {
  describe(`MQTT ${version}: user name and password`, { timeout: 60_000 }, () => {
    test('a wrong password: the refusal in words, the hint, and no retry', async () => {
      const env = await envs.get();
      const app = await env.openApp();
      try {
        const url = env.broker.url('auth');
        await app.connect({ url, version, username: 'alice', password: 'wrong', wait: null });
        const problem = app.page.locator('#problem');
        await problem.waitFor({ timeout: 15_000 });
        assert.equal(await problem.getAttribute('role'), 'alert');
        assert.equal(await problem.locator('.problem-message').textContent(), REFUSAL[version]);
        const hint = await problem.locator('.problem-hint').textContent();
        assert.match(hint, /user name and password/, `hint: ${hint}`);
        await app.waitStatus('disconnected');
        // A refused login is final: no reconnect attempts (the first would come after
        // at most 1 s).
        await sleep(2_000);
        assert.deepEqual(app.websockets, [`${url}/`], 'one connection attempt only');
        assert.equal(await app.status().textContent(), 'Disconnected');
        assert.equal(await app.page.locator('#connect').isEnabled(), true, 'Connect can be pressed again');
      } finally {
        await app.close();
      }
    });

    test('the right password connects (the listener works)', async () => {
      const env = await envs.get();
      const app = await env.openApp();
      try {
        await app.connect({ url: env.broker.url('auth'), version, username: 'alice', password: 'secret' });
        assert.equal(await app.page.locator('#problem').count(), 0);
        await app.subscribe('lab/#', '0');
      } finally {
        await app.close();
      }
    });
  });
}
