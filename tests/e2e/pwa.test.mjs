// The installable, offline app (index.html's manifest, web/pwa.js, sw.js written by
// scripts/precache.mjs): after one visit the app opens with the network off, with
// its saved connection; a new deploy is offered ("A new version is available") and
// Reload brings it, while until then every page keeps the files of its own version,
// even those the server no longer has.
//
// Each test serves its own copy of dist/ under the sub-path, so that it can "deploy"
// a changed build into the same directory (same origin, same URL).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { APP_PREFIX, AppPage, DIST_DIR, launchBrowser, makeDir, removeDir, startStaticServer, waitUntil } from './lib/harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PRECACHE = path.resolve(HERE, '..', '..', 'scripts', 'precache.mjs');
const AXE = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');

/** A copy of dist/ served under APP_PREFIX, and a fresh Chromium; `fn(site)`, then stops both. */
async function withSite(fn) {
  const root = await makeDir('pwa-site');
  let server;
  let browser;
  try {
    await fsp.cp(DIST_DIR, root, { recursive: true });
    server = await startStaticServer(root);
    browser = await launchBrowser();
    return await fn({ root, server, context: browser.context });
  } finally {
    await browser?.close();
    await server?.close();
    await removeDir(root);
  }
}

/** What dist/sw.js precaches: { version, files: [[name, integrity]] } (see scripts/precache.mjs). */
async function precacheOf(root) {
  const sw = await fsp.readFile(path.join(root, 'sw.js'), 'utf8');
  const json = /const PRECACHE = (\{"version"[\s\S]*?\]\});/.exec(sw)?.[1];
  assert.ok(json, 'sw.js has its PRECACHE list');
  return JSON.parse(json);
}
const swVersion = async (root) => (await precacheOf(root)).version;

/** Waits (bounded) until a service worker is active and controls the page. */
async function waitControlled(page) {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true), null);
  await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated', null, { timeout: 30_000 });
}

/** This scope's shell caches (named by sw.js: "webmqtt-shell <scope path> <version>"). */
const shellCaches = (page) => page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('webmqtt-shell ')));

/** The value of the custom property --webmqtt-deploy on :root ('' when unset). */
const deployMarker = (page) => page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--webmqtt-deploy').trim());

test('the build is installable: a manifest with relative URLs, PNG icons, and sw.js listing every file', async () => {
  const html = await fsp.readFile(path.join(DIST_DIR, 'index.html'), 'utf8');
  // The release build's HTML is minified (Trunk.toml): attributes may be unquoted.
  const links = [...html.matchAll(/<link\s([^>]*)>/g)].map(([, attrs]) =>
    Object.fromEntries([...attrs.matchAll(/([\w-]+)(?:=("[^"]*"|'[^']*'|[^\s>]+))?/g)]
      .map(([, name, value = '']) => [name, value.replace(/^["']|["']$/g, '')])));
  assert.ok(links.some((l) => l.rel === 'manifest' && l.href === 'manifest.webmanifest'),
    `a <link rel=manifest href=manifest.webmanifest> in ${JSON.stringify(links)}`);
  const manifest = JSON.parse(await fsp.readFile(path.join(DIST_DIR, 'manifest.webmanifest'), 'utf8'));
  assert.equal(manifest.start_url, './');
  assert.equal(manifest.scope, './');
  assert.equal(manifest.display, 'standalone');
  assert.ok(manifest.name && manifest.short_name && manifest.theme_color && manifest.background_color);
  for (const size of ['192x192', '512x512']) {
    const icon = manifest.icons.find((i) => i.sizes === size && i.type === 'image/png');
    assert.ok(icon, `a ${size} PNG icon`);
    const png = await fsp.readFile(path.join(DIST_DIR, icon.src));
    const [w, h] = size.split('x').map(Number);
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [w, h], `${icon.src} is ${size}`);
  }
  const { version, files } = await precacheOf(DIST_DIR);
  assert.match(version, /^[0-9a-f]{16}$/);
  const expected = [];
  for (const e of await fsp.readdir(DIST_DIR, { withFileTypes: true })) {
    if (!e.isFile() || e.name === 'sw.js') continue;
    const integrity = 'sha256-' + createHash('sha256').update(await fsp.readFile(path.join(DIST_DIR, e.name))).digest('base64');
    expected.push([e.name, integrity]);
  }
  assert.deepEqual([...files].sort(), expected.sort(), 'sw.js precaches every file of dist/ with its sha256');
  for (const f of ['index.html', 'loader.js', 'pwa.js', 'manifest.webmanifest']) {
    assert.ok(files.some(([n]) => n === f), `sw.js precaches ${f}`);
  }
});

test('after one visit, the app opens with the network off, with its saved connection', { timeout: 120_000 }, async () => {
  await withSite(async ({ server, context }) => {
    const app = await AppPage.open(context, server.appUrl);
    try {
      await waitControlled(app.page);
      assert.equal((await shellCaches(app.page)).length, 1, 'one shell cache');
      // What Chromium itself says: the manifest parses, and the app can be installed.
      const cdp = await context.newCDPSession(app.page);
      const manifest = await cdp.send('Page.getAppManifest');
      assert.equal(manifest.url, `${server.appUrl}manifest.webmanifest`);
      assert.deepEqual(manifest.errors, [], 'the manifest parses');
      assert.deepEqual((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors, [], 'installable');
      await cdp.detach();
      // A connection is saved (localStorage) as it is edited.
      const broker = 'ws://127.0.0.1:9/offline-check';
      await app.page.fill('#broker-url', broker);
      await app.page.waitForFunction((b) => (localStorage.getItem('webmqtt.profiles') ?? '').includes(b), broker, { timeout: 5_000 });

      await context.setOffline(true);
      const served = server.requests.length;
      await app.page.reload({ waitUntil: 'load', timeout: 30_000 });
      await app.page.locator('#connect').waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal(await app.page.inputValue('#broker-url'), broker, 'the saved connection is there');

      // A tutorial link, with its query, opens offline too.
      const linked = await AppPage.open(context, `${server.appUrl}index.html?url=${encodeURIComponent('ws://127.0.0.1:9/linked')}`);
      try {
        assert.equal(await linked.page.inputValue('#broker-url'), 'ws://127.0.0.1:9/linked');
      } finally {
        await linked.close();
      }
      // (sw.js aside: the browser's own check for a new worker is not the page's.)
      assert.deepEqual(server.requests.slice(served).filter((r) => r.path !== `${APP_PREFIX}sw.js`), [],
        'nothing of the app reached the server while offline');
      assert.deepEqual(await app.cspViolations(), []);
      assert.deepEqual(app.errors, [], 'nothing logged as an error');
    } finally {
      await context.setOffline(false).catch(() => {});
      await app.close();
    }
  });
});

test('a new deploy: "A new version is available", the old version until Reload, then the new one', { timeout: 180_000 }, async () => {
  await withSite(async ({ root, server, context }) => {
    const app = await AppPage.open(context, server.appUrl);
    let other;
    try {
      await waitControlled(app.page);
      const oldVersion = await swVersion(root);
      assert.equal(await deployMarker(app.page), '', 'the first version has no marker');
      assert.equal(await app.page.locator('#update-banner').count(), 0, 'no banner on a first visit');

      // Deploy: the stylesheet changes, so it gets a new hashed name; the old one is
      // gone from the server; the page points at the new one; sw.js is written again.
      const names = await fsp.readdir(root);
      const oldCss = names.find((n) => /^main-.*\.css$/.test(n));
      assert.ok(oldCss, `a hashed stylesheet in ${JSON.stringify(names)}`);
      const css = (await fsp.readFile(path.join(root, oldCss), 'utf8')) + '\n:root { --webmqtt-deploy: "2"; }\n';
      const newCss = `main-${createHash('sha256').update(css).digest('hex').slice(0, 16)}.css`;
      const html = await fsp.readFile(path.join(root, 'index.html'), 'utf8');
      // Trunk's <link href=./main-….css integrity=sha384-… rel=stylesheet> (minified:
      // the values may be unquoted).
      const link = new RegExp(`href="?\\./${oldCss.replaceAll('.', '\\.')}"? integrity="?sha384-[^"\\s>]+"?`);
      assert.match(html, link);
      const sri = 'sha384-' + createHash('sha384').update(css).digest('base64');
      await fsp.writeFile(path.join(root, newCss), css);
      await fsp.writeFile(path.join(root, 'index.html'), html.replace(link, `href="./${newCss}" integrity="${sri}"`));
      await fsp.rm(path.join(root, oldCss));
      await promisify(execFile)(process.execPath, [PRECACHE, root], { timeout: 30_000 });
      const newVersion = await swVersion(root);
      assert.ok(newVersion && newVersion !== oldVersion, `a new version (${oldVersion} -> ${newVersion})`);

      // The next visit finds the new sw.js; it installs and waits; the page says so,
      // still running (and still loading) the old version, whose stylesheet the
      // server no longer has.
      await app.page.reload({ waitUntil: 'load', timeout: 30_000 });
      await app.page.locator('#connect').waitFor({ state: 'visible', timeout: 30_000 });
      const banner = app.page.locator('#update-banner[role="status"]');
      await banner.filter({ hasText: 'A new version is available' }).waitFor({ timeout: 60_000 });
      assert.equal(await deployMarker(app.page), '', 'still the old stylesheet');
      assert.ok(server.requests.some((r) => r.path === `${APP_PREFIX}${newCss}` && r.status === 200), 'the new worker fetched the new stylesheet');

      // A second tab opened now gets the old version too, whole.
      other = await AppPage.open(context, server.appUrl);
      assert.equal(await deployMarker(other.page), '', 'a new tab still gets the old version until Reload');
      assert.ok((await shellCaches(app.page)).some((k) => k.endsWith(' ' + oldVersion)), 'the old cache is kept while in use');

      // The banner passes axe-core's rules.
      await app.page.evaluate(await fsp.readFile(AXE, 'utf8'));
      const axe = await app.page.evaluate(async () => {
        const r = await window.axe.run({ include: [['#update-banner']] });
        return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
      });
      assert.deepEqual(axe, [], 'axe-core violations in #update-banner');

      // Reached with the keyboard (it is the page's last control: Shift+Tab from the
      // start), and pressed with Enter: the page reloads into the new version.
      await app.page.evaluate(() => document.activeElement?.blur());
      let focused = '';
      for (let i = 0; i < 10 && focused !== 'update-reload'; i++) {
        await app.page.keyboard.press('Shift+Tab');
        focused = await app.page.evaluate(() => document.activeElement?.id ?? '');
      }
      assert.equal(focused, 'update-reload', 'Reload is reachable with the keyboard');
      await Promise.all([
        app.page.waitForEvent('load', { timeout: 30_000 }),
        app.page.keyboard.press('Enter'),
      ]);
      await app.page.locator('#connect').waitFor({ state: 'visible', timeout: 30_000 });
      await app.page.waitForFunction(() => getComputedStyle(document.documentElement).getPropertyValue('--webmqtt-deploy').trim() !== '',
        null, { timeout: 10_000 });
      assert.equal(await deployMarker(app.page), '"2"', 'the new stylesheet');
      assert.equal(await app.page.locator('#update-banner').count(), 0, 'no banner in the new version');
      assert.deepEqual(await shellCaches(app.page), [`webmqtt-shell ${APP_PREFIX} ${newVersion}`], 'only the new version\'s cache is left');

      // And it is the new version that opens offline.
      await context.setOffline(true);
      await app.page.reload({ waitUntil: 'load', timeout: 30_000 });
      await app.page.locator('#connect').waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal(await deployMarker(app.page), '"2"', 'offline: the new version');

      assert.deepEqual(await app.cspViolations(), []);
      assert.deepEqual(app.errors, [], 'nothing logged as an error');
      // (The browser may still be asking for sw.js, by itself: let the server answer.)
      await waitUntil(() => server.requests.every((r) => r.answered), 10_000, 'the server to answer every request');
      assert.deepEqual(server.requests.filter((r) => r.status !== 200 && r.path !== '/favicon.ico'), [],
        `every request answered 200; all requests: ${JSON.stringify(server.requests)}`);
    } finally {
      await context.setOffline(false).catch(() => {});
      await other?.close();
      await app.close();
    }
  });
});
