// The broker restarts mid-session (stopped by pid, started again on the same ports):
// the page shows that it is reconnecting (and that a connection that worked was lost,
// not that its address is wrong), reconnects by itself, subscribes again, and keeps
// receiving and publishing.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { lazyEnv, mosquittoPub, MosquittoSub, waitUntil } from './lib/harness.mjs';

const envs = lazyEnv();
after(() => envs.stop());

for (const version of ['3.1.1', '5.0']) {
  describe(`MQTT ${version}: broker restart`, { timeout: 90_000 }, () => {
    test('reconnects and keeps receiving on its subscriptions', async () => {
      const env = await envs.get();
      const base = `lab/e2e/restart/${version}`;
      const app = await env.openApp();
      try {
        const url = env.broker.url('ws');
        await app.connect({ url, version });
        await app.subscribe('lab/#', '1');
        await mosquittoPub(env.broker, ['-t', `${base}/before`, '-q', '1', '-m', 'before the restart']);
        assert.equal((await app.row(`${base}/before`)).preview, 'before the restart');

        const oldPid = env.broker.pid;
        await env.broker.stop(); // SIGTERM to its pid; the process has exited when this returns
        await app.waitStatus('reconnecting', 15_000);
        assert.match(await app.status().textContent(), new RegExp(`^Reconnecting to ${url}/ in \\d+ s \\(attempt \\d+\\)$`));

        // It keeps trying while the broker is down: wait for one failed attempt.
        await waitUntil(() => app.websockets.length >= 2, 15_000, 'a reconnect attempt while the broker is down');
        await app.waitStatus('reconnecting', 15_000);
        // A broker that worked a moment ago: "lost", with the close code and when the
        // next try is, not "could not open" (which blames an address that was right).
        assert.match(await app.page.locator('#problem .problem-message').textContent(),
          /^Connection lost \(close code \d+\); retrying in \d+ s\.$/);
        assert.doesNotMatch(await app.page.locator('#problem .problem-hint').textContent(), /port|path/);

        await env.broker.start(); // same config, same ports
        assert.notEqual(env.broker.pid, oldPid, 'a new broker process');
        await app.waitStatus('connected', 30_000);
        assert.equal(await app.page.locator('#problem').count(), 0, 'the problem is cleared once connected');
        // The new broker knows nothing of the old session: the app subscribes again.
        await app.waitGranted('lab/#', '1', 15_000);

        await mosquittoPub(env.broker, ['-t', `${base}/after`, '-q', '1', '-m', 'after the restart']);
        const row = await app.row(`${base}/after`);
        assert.equal(row.preview, 'after the restart');
        assert.equal(row.qos, 'QoS 1');

        const sub = await new MosquittoSub(env.broker, `${base}/from-page`).start();
        try {
          await app.publish({ topic: `${base}/from-page`, payload: 'published after the restart', qos: '1' });
          const got = await sub.waitFor(() => true, 10_000, 'the page\'s message');
          assert.equal(got.payload.toString('utf8'), 'published after the restart');
        } finally {
          await sub.stop();
        }
        assert.deepEqual([...new Set(app.websockets)], [`${url}/`], 'every attempt went to the same broker');
      } finally {
        await app.close();
      }
    });
  });
}
