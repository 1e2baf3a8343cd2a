// A broker address that does not answer: the page says which URL failed and what to
// try. For wss:// with a certificate the browser does not trust, it links to the
// https:// page where the user can accept it.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { AppPage, freePort, launchBrowser, lazyEnv } from './lib/harness.mjs';

const envs = lazyEnv({ wss: true });
after(() => envs.stop());

test('ws:// to a refused port: the problem names the URL and the hint the port', { timeout: 60_000 }, async () => {
  const env = await envs.get();
  const port = await freePort(); // nothing listens there
  const url = `ws://127.0.0.1:${port}`;
  const app = await env.openApp();
  try {
    await app.connect({ url, version: '3.1.1', wait: null });
    const problem = app.page.locator('#problem');
    await problem.waitFor({ timeout: 15_000 });
    assert.equal(await problem.locator('.problem-message').textContent(), `Could not open ${url}/.`);
    assert.match(await problem.locator('.problem-hint').textContent(), /check the host, the port/);
    assert.equal(await app.page.locator('#problem-link').count(), 0, 'no certificate link for ws://');
    // It keeps trying, and says so.
    await app.waitStatus('reconnecting');
    assert.match(await app.status().textContent(), new RegExp(`^Reconnecting to ${url}/ in \\d+ s \\(attempt 1\\)$`));
    await app.page.click('#cancel-reconnect');
    await app.waitStatus('disconnected');
  } finally {
    await app.close();
  }
});

test('wss:// with an untrusted certificate: the problem links to the page to accept it', { timeout: 60_000 }, async () => {
  const env = await envs.get();
  // A browser that was not told to trust the throwaway certificate.
  const browser = await launchBrowser();
  try {
    const app = await AppPage.open(browser.context, env.server.appUrl);
    const url = env.broker.url('wss');
    await app.connect({ url, version: '5.0', wait: null });
    const problem = app.page.locator('#problem');
    await problem.waitFor({ timeout: 15_000 });
    assert.equal(await problem.locator('.problem-message').textContent(), `Could not open ${url}/.`);
    const https = `https://127.0.0.1:${env.broker.ports.wss}/`;
    assert.match(await problem.locator('.problem-hint').textContent(), /self-signed certificate/);
    assert.equal(await app.page.locator('#problem-link').getAttribute('href'), https);
    assert.equal(await app.page.locator('#problem-link').textContent(), `Open ${https}`);
    await app.waitStatus('reconnecting');
  } finally {
    await browser.close();
  }
  // …while the browser that trusts it connects (as in messaging.test.mjs).
  const app = await env.openApp();
  try {
    await app.connect({ url: env.broker.url('wss'), version: '5.0' });
  } finally {
    await app.close();
  }
});
