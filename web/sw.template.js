// WebMQTT service worker: the app shell, cache-first, one cache per version.
//
// Written into dist/ as sw.js by scripts/precache.mjs (a Trunk post_build hook),
// which fills in PRECACHE below: { version, files: [[name, integrity]] }:
// every file of the build (names relative to this file) with its sha256, and a
// version that is a hash of all of them and of this template. A new build gives a
// new sw.js, which the browser installs next to the running one.
//
// - install: fetches the whole shell (revalidated, checked against its sha256, so
//   a half-deployed server fails the install instead of mixing two versions) and
//   only then stores it in this version's cache: all or nothing.
// - waits: a new version is not activated by itself; the page shows "A new version
//   is available" and posts "skip-waiting" when the user clicks Reload (web/pwa.js).
// - activate: deletes this scope's caches of other versions, takes the open pages.
// - fetch: the shell's files (and a navigation to the app's page, with any query)
//   from this version's cache; anything else goes to the network untouched.
"use strict";

const PRECACHE = __WEBMQTT_PRECACHE__;

const BASE = new URL("./", self.location.href);
// Caches are shared by the whole origin (several apps may live on one host, e.g.
// GitHub Pages): name ours by scope, so that activate deletes only our old ones.
const PREFIX = `webmqtt-shell ${BASE.pathname} `;
const CACHE = PREFIX + PRECACHE.version;
const FILES = new Map(PRECACHE.files);

function shellFile(request) {
  const url = new URL(request.url);
  if (url.origin !== BASE.origin || !url.pathname.startsWith(BASE.pathname)) return null;
  const name = decodeURIComponent(url.pathname.slice(BASE.pathname.length));
  if (request.mode === "navigate") {
    return name === "" || name === "index.html" ? "index.html" : null;
  }
  return FILES.has(name) ? name : null;
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const fetched = await Promise.all([...FILES].map(async ([name, integrity]) => {
      const url = new URL(name, BASE).href;
      const response = await fetch(url, { cache: "no-cache", integrity, credentials: "same-origin" });
      if (!response.ok) throw new Error(`sw.js: ${url}: HTTP ${response.status}`);
      return [url, response];
    }));
    const cache = await caches.open(CACHE);
    try {
      await Promise.all(fetched.map(([url, response]) => cache.put(url, response)));
    } catch (e) {
      await caches.delete(CACHE);
      throw e;
    }
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const name = shellFile(request);
  if (name === null) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(new URL(name, BASE).href);
    if (!hit) return fetch(request);
    // The cached response itself when it is for the URL asked for (the browser can
    // then reuse what it compiled from it, e.g. the wasm). Otherwise a new Response,
    // with no URL of its own: the page then sees the URL it asked for, query
    // included (loader.js reads the app's file names from its import.meta.url, which
    // for a cached response would be the cache's key), and a navigation is never
    // answered with a redirected response.
    if (hit.url === request.url && !hit.redirected && request.mode !== "navigate") return hit;
    return new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers: hit.headers });
  })());
});
