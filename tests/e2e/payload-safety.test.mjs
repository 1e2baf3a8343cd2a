// Payloads (and topics) from the broker are shown as text, never run as HTML.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { lazyEnv, mosquittoPub, sleep } from './lib/harness.mjs';

const envs = lazyEnv();
after(() => envs.stop());

const PAYLOADS = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(2)</script><b>bold</b>',
  '<svg onload=alert(3)>&amp;&lt;',
];

for (const version of ['3.1.1', '5.0']) {
  describe(`MQTT ${version}: HTML in messages`, { timeout: 60_000 }, () => {
    test('an HTML payload shows as text: same text, no element made, no dialog', async () => {
      const env = await envs.get();
      const app = await env.openApp();
      try {
        await app.connect({ url: env.broker.url('ws'), version });
        await app.subscribe('lab/#', '0');
        const topic = (i) => `lab/e2e/html/${version}/${i}`;
        for (const [i, payload] of PAYLOADS.entries()) {
          await mosquittoPub(env.broker, ['-t', topic(i), '-m', payload]);
        }
        // A topic may carry markup too.
        const htmlTopic = `lab/e2e/html/${version}/<i>topic</i>`;
        await mosquittoPub(env.broker, ['-t', htmlTopic, '-m', 'x']);
        // The last one shown, the list stops moving: a row clicked while a batch
        // arrives may have its message shifted away from under the pointer.
        await app.row(htmlTopic);

        for (const [i, payload] of PAYLOADS.entries()) {
          const row = await app.row(topic(i));
          assert.equal(row.preview, payload, 'the preview is the payload, character for character');
          const { payload: shown } = await app.expand(row.locator);
          assert.equal(shown, payload, 'the expanded payload is the payload, character for character');
        }
        assert.equal((await app.row(htmlTopic)).topic, htmlTopic);

        // Give an injected element every chance to load or fire.
        await sleep(500);
        // Nothing the payloads or the topic hold became an element, in the list or in
        // the opened message.
        const shown = app.page.locator('#feed-list, .message-detail, #message-detail');
        for (const tag of ['img', 'script', 'svg', 'b', 'i']) {
          assert.equal(await shown.locator(tag).count(), 0, `no <${tag}> element where messages are shown`);
        }
        assert.equal(await app.page.locator('img[src="x"], [onerror], [onload]').count(), 0,
          'no injected element or event handler anywhere on the page');
        assert.deepEqual(app.dialogs, [], 'no dialog opened');
        // Had markup been made, the CSP would have blocked its handlers and scripts: it
        // reports no such attempt. (Style rules are checked in page-health.test.mjs.)
        const attempts = (await app.cspViolations()).filter((v) => /^(script|img|object|default)-src/.test(v.directive));
        assert.deepEqual(attempts, [], 'nothing from a message tried to run or load');
      } finally {
        await app.close();
      }
    });
  });
}
