// The app shell's service worker: after the first visit, the page, its hashed
// files and the registration worker load from this worker's cache, with no
// round trip before the first screen; the network is asked in the background,
// and a new deploy is offered to the page ("A new version is available"),
// taken on its Reload, or at the next start once no page of the old one is open.
//
// Plain JS on purpose: no build step, it is copied next to the bundle as is
// (index.html: <link data-trunk rel="copy-file" href="sw.js" />). boot.js
// registers it, scoped to the directory index.html is served from (the deploy
// base path, `trunk build --public-url /passport/` → /passport/).
//
// What it touches, and what it never does:
// - Only GET requests of this origin inside the scope. Everything else (the
//   identity provider, the IMX API, the wallet, any POST) is not answered
//   here at all, so it goes to the network exactly as without a worker.
// - Navigations inside the scope get the cached index.html: at once for the
//   base path itself, and for any other path once the server has answered it
//   with that same index.html (the callback path, deep links). Until then such
//   a path goes to the network first: another page the site serves on this
//   origin (a page built with the official SDK at /sdk/, say) stays itself,
//   never replaced by this app. Offline, every such path gets the shell.
//   The callback's URL (…/redirect?code=…&state=…) is never a cache key: the
//   shell is stored once, under the scope URL; a path the app answers is
//   remembered without its query; the query stays in the page's address only.
// - Files named with trunk's content hash never change: cache first.
// - The unhashed files (boot.js, the registration worker's three files,
//   config.json) come from the cache too, and are revalidated together with
//   index.html: a deploy is one unit, taken whole on Reload, so a page never
//   runs a new boot.js with an old index.html, or a new stark_worker.js with
//   an old wasm. An operator's config change (a new client id, another
//   authority) is such a deploy: offered with Reload, like new code, never
//   half-taken by a page that already started with the old one.
//
// Switch-off: a deploy whose index.html has
//   <meta name="passport-service-worker" content="off" />
// makes this worker delete its caches and unregister itself the next time it
// sees that index.html (boot.js does the same from the page). See README.

"use strict";

// Bump to drop every cache of an older layout when this file changes shape.
const VERSION = "v1";
const PREFIX = "passport-app-";
// The deploy in use: shell, hashed files, unhashed files, last config.json.
const CURRENT = `${PREFIX}${VERSION}`;
// A newer deploy found in the background, waiting for the page's Reload.
const NEXT = `${PREFIX}${VERSION}-next`;
// The paths (no query) the server answered with index.html: the app's pages.
const PATHS = `${PREFIX}${VERSION}-paths`;

const SCOPE = new URL(self.registration.scope);
const SHELL = SCOPE.href; // index.html, stored under the clean scope URL only
// Unhashed files that belong to a deploy (index.html refers to boot.js; the
// registration worker's names are fixed by its loader; the app reads its
// configuration from config.json).
const UNHASHED = ["boot.js", "stark_worker_loader.js", "stark_worker.js", "stark_worker_bg.wasm", "config.json"]
  .map((name) => new URL(name, SCOPE).href);
// trunk's content hash: hex, without leading zeros, so sometimes shorter than 16
// (the same rule as deploy/nginx/passport-app.conf).
const HASHED = /-[0-9a-f]{8,16}(_bg)?\.(js|wasm|css)$/;

const isHashed = (url) => HASHED.test(new URL(url).pathname);
// A navigation is the app's when its last path segment has no extension:
// /, /redirect, /some/deep/link; /config.json or /report.pdf are files.
const isAppPath = (url) => !/\.[A-Za-z0-9]+$/.test(new URL(url).pathname);

// Installing: the shell set goes into the cache now, so the very next load
// (even offline) needs no network. Taking over at once is safe: a page that
// loaded from the network asks for the same files this cache holds.
self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CURRENT);
    if (!(await cache.match(SHELL))) await storeDeploy(cache, await fetchDeploy());
    await self.skipWaiting();
  })());
});

// Taking over: caches of another layout version are deleted.
self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && ![CURRENT, NEXT, PATHS].includes(name)) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// Set once switched off: from then on this worker, still controlling the open
// pages until they close, answers nothing.
let off = false;

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (off || request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== SCOPE.origin || !url.href.startsWith(SCOPE.href)) return;
  if (request.mode === "navigate") {
    if (!isAppPath(url.href) && url.pathname !== new URL("index.html", SCOPE).pathname) return;
    event.respondWith(navigate(request));
    event.waitUntil(revalidate());
    return;
  }
  const clean = url.origin + url.pathname; // no query: these files take none
  if (isHashed(clean)) event.respondWith(cacheFirst(request, clean));
  else if (UNHASHED.includes(clean)) event.respondWith(cacheFirst(request, clean));
  // Anything else in the scope (sw.js itself, other files) is left to the network.
});

// The page asks whether a newer deploy waits (a page that started after the
// background check found it), and tells the worker to take it (Reload).
self.addEventListener("message", (event) => {
  const reply = (message) => (event.ports[0] || event.source)?.postMessage(message);
  if (event.data?.type === "status") {
    event.waitUntil(hasNext().then((ready) => ready && reply({ type: "update-ready" })));
  } else if (event.data?.type === "apply-update") {
    event.waitUntil(applyNext().then(() => reply({ type: "update-applied" })));
  }
});

// Stores into the current cache only while it exists: the install makes it,
// and after a switch-off nothing makes it again.
async function keep(key, response) {
  // Only whole, good answers are kept (not a 404 or a 206 range).
  if (response.status === 200 && (await caches.has(CURRENT))) {
    await (await caches.open(CURRENT)).put(key, response.clone());
  }
}

async function navigate(request) {
  const path = new URL(request.url);
  path.search = path.hash = "";
  const known = path.href === SHELL || path.href === new URL("index.html", SCOPE).href
    || !!(await caches.match(path.href, { cacheName: PATHS }));
  if (known) {
    // A newer deploy waits and no page of the old one is open (a fresh start,
    // all tabs closed since): nothing can mix, so this load takes it.
    if ((await hasNext()) && (await self.clients.matchAll({ type: "window" })).length === 0) await applyNext();
    return shell();
  }
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    // Offline: the app (its not-found page if the path is not one of its own).
    const cached = await caches.match(SHELL, { cacheName: CURRENT });
    if (cached) return cached;
    throw error;
  }
  // The server's answer is the cached index.html: an app page, from now on
  // answered from the cache. (A static host may send it with status 404.)
  const cached = await caches.match(SHELL, { cacheName: CURRENT });
  if (cached && (await sameBytes(cached, response))) {
    await (await caches.open(PATHS)).put(path.href, new Response(""));
  }
  return response;
}

async function shell() {
  const cached = await caches.match(SHELL, { cacheName: CURRENT });
  if (cached) return cached;
  // Not cached (the install's copy is gone): the network, kept for next time.
  const response = await fetch(SHELL, { cache: "no-cache" });
  if (!isSwitchedOff(await response.clone().text())) await keep(SHELL, response);
  return response;
}

async function cacheFirst(request, key) {
  const cached = await caches.match(key, { cacheName: CURRENT });
  if (cached) return cached;
  const response = await fetch(request);
  await keep(key, response);
  return response;
}

// The deploy on the server now: index.html and the unhashed files, fetched
// past the HTTP cache (a conditional request: a 304 costs no body).
async function fetchDeploy() {
  const responses = await Promise.all([SHELL, ...UNHASHED].map(async (url) => {
    const response = await fetch(url, { cache: "no-cache" });
    if (!response.ok) throw new Error(`${new URL(url).pathname}: HTTP ${response.status}`);
    return [url, response];
  }));
  return new Map(responses);
}

async function storeDeploy(cache, deploy) {
  const shellText = await deploy.get(SHELL).clone().text();
  await Promise.all([...deploy].map(([url, response]) => cache.put(url, response)));
  // The hashed files this index.html loads, so the next load finds them all,
  // the engine included: the page fetches it at idle time after every start,
  // and a first visit may have fetched it before this worker took the page, so
  // unseen (the next start would go to the network for it).
  const current = await caches.open(CURRENT);
  const { eager, onDemand } = hashedFilesOf(shellText);
  await Promise.all([...eager, ...onDemand].map(async (url) => {
    if (await current.match(url)) return;
    const response = await fetch(url);
    if (response.status === 200) await current.put(url, response);
  }));
}

// The hashed files an index.html names: `eager` the page loads at once
// (src/href, data-js/data-wasm), `onDemand` the engine module it loads later
// (data-engine="passport_engine-<hash>": its .js and _bg.wasm).
function hashedFilesOf(html) {
  const eager = new Set(), onDemand = new Set();
  const add = (set, path) => {
    const url = new URL(path, SCOPE);
    if (url.origin === SCOPE.origin && url.href.startsWith(SCOPE.href) && isHashed(url.href)) {
      set.add(url.origin + url.pathname);
    }
  };
  for (const [, name, value] of html.matchAll(/\b(src|href|data-js|data-wasm|data-engine)\s*=\s*["']?([^"'\s>]+)/g)) {
    if (name === "data-engine") { add(onDemand, `${value}.js`); add(onDemand, `${value}_bg.wasm`); }
    else add(eager, value);
  }
  return { eager: [...eager], onDemand: [...onDemand] };
}

// <meta name="passport-service-worker" content="off">, in any attribute order
// and quoting (trunk's minifier reorders and unquotes attributes).
function isSwitchedOff(html) {
  for (const [tag] of html.matchAll(/<meta\b[^>]*>/gi)) {
    if (/\bname\s*=\s*["']?passport-service-worker\b/i.test(tag) && /\bcontent\s*=\s*["']?off\b/i.test(tag)) return true;
  }
  return false;
}

const sameBytes = async (a, b) => {
  const [x, y] = await Promise.all([a.clone().arrayBuffer(), b.clone().arrayBuffer()]);
  if (x.byteLength !== y.byteLength) return false;
  const [u, v] = [new Uint8Array(x), new Uint8Array(y)];
  for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return false;
  return true;
};

let revalidating = null;
// After a navigation answered from the cache: is the server's deploy still
// the cached one? If not, the new one is stored aside (NEXT, with its hashed
// files fetched ahead) and the pages are told; nothing in use changes until
// the page's Reload. Offline or a failing server: nothing happens.
function revalidate() {
  revalidating ??= (async () => {
    let deploy;
    try { deploy = await fetchDeploy(); } catch { return; }
    const shellText = await deploy.get(SHELL).clone().text();
    if (isSwitchedOff(shellText)) { await switchOff(); return; }
    const current = await caches.open(CURRENT);
    let changed = false;
    for (const [url, response] of deploy) {
      const cached = await current.match(url);
      if (!cached) await current.put(url, response.clone()); // first time seen: nothing to mix with
      else if (!(await sameBytes(cached, response))) changed = true;
    }
    if (!changed) { await caches.delete(NEXT); return; }
    await caches.delete(NEXT);
    await storeDeploy(await caches.open(NEXT), deploy);
    await tellPages({ type: "update-ready" });
  })().finally(() => { revalidating = null; });
  return revalidating;
}

async function hasNext() {
  return (await caches.has(NEXT)) && !!(await (await caches.open(NEXT)).match(SHELL));
}

// Reload (or the first load once no page of the old deploy is open): the
// waiting deploy becomes the current one, and the hashed files
// the new index.html does not name (the old deploy's) are deleted.
async function applyNext() {
  if (!(await hasNext())) return;
  const [next, current] = await Promise.all([caches.open(NEXT), caches.open(CURRENT)]);
  for (const request of await next.keys()) await current.put(request, await next.match(request));
  await caches.delete(NEXT);
  const named = hashedFilesOf(await (await current.match(SHELL)).text());
  const keep = new Set([...named.eager, ...named.onDemand]);
  for (const request of await current.keys()) {
    if (isHashed(request.url) && !keep.has(request.url)) await current.delete(request);
  }
}

async function switchOff() {
  off = true;
  for (const name of await caches.keys()) if (name.startsWith(PREFIX)) await caches.delete(name);
  await self.registration.unregister();
}

async function tellPages(message) {
  // The pages this worker serves (one loaded past it, by a hard reload, is
  // already the newest).
  for (const client of await self.clients.matchAll({ type: "window" })) {
    client.postMessage(message);
  }
}
