// The app shell's service worker (sw.js, registered by boot.js): installed on
// the first visit, it serves the next load from its cache; a new deploy is
// offered with a Reload button; offline, a reload still shows the signed-in
// user; sign-in callbacks and the local Passport's origins pass it by; a
// <meta> switch unregisters it; under a sub-path it is scoped to that path.
// Each test serves its own copy of dist/ so it can change the deploy.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, startPassport, startBrowser, newPage, ROOT } from "./harness.mjs";
import { newEmail, signInWithPopup, signInInThisTab, storedUser, assertStoredUnchanged } from "./flows.mjs";

let browser;
const cleanups = [];
before(async () => { browser = await startBrowser(); });
after(async () => {
  await browser?.close();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A copy of dist/ (its index.html passed through `edit`), served with a local
 *  Passport that trusts it, as `basePath`. */
async function deploy({ basePath = "/", edit = (html) => html, extraFiles = {} } = {}) {
  const dist = mkdtempSync(join(tmpdir(), "sw-e2e-"));
  cpSync(join(ROOT, "dist"), dist, { recursive: true });
  const indexFile = join(dist, "index.html");
  writeFileSync(indexFile, edit(readFileSync(indexFile, "utf8")));
  const app = await startApp({ dist, basePath, extraFiles });
  const passport = await startPassport(app.port, [], undefined, basePath);
  app.setConfig(passport.config());
  cleanups.push(async () => { passport.cleanup(); await app.stop(); rmSync(dist, { recursive: true, force: true }); });
  return { app, passport, dist, indexFile };
}

/** Waits until a service worker controls `page`; its scope. */
async function controlled(page) {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((ok) => navigator.serviceWorker.addEventListener("controllerchange", ok, { once: true }));
    }
    return registration.scope;
  });
}

/** Every URL in the page's caches. */
const cachedUrls = (page) => page.evaluate(async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  }
  return urls;
});

const hashedJs = (dist) => readdirSync(dist).find((f) => /^passport-app-[0-9a-f]+\.js$/.test(f));

test("installs on the first visit: the next load comes from its cache, with no request to the server for the app's files", async () => {
  const { app, dist } = await deploy();
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  await page.getByTestId("signed-out").waitFor();
  assert.equal(await controlled(page), app.url("/"));

  // What the page got, and what went to the server (the worker's own fetches included).
  const answered = [];
  page.on("response", (r) => answered.push({ path: new URL(r.url()).pathname, worker: r.fromServiceWorker() }));
  const toServer = [];
  page.context().on("request", (r) => { if (r.url().startsWith(app.url("/")) && r.serviceWorker()) toServer.push(new URL(r.url()).pathname); });
  // The configuration is the cached copy, not a round trip: the app starts
  // even while the server cannot answer it.
  app.setConfig(null);
  const navigation = await page.reload();
  await page.getByTestId("signed-out").waitFor();

  assert.ok(navigation.fromServiceWorker(), "index.html came from the worker");
  const js = `/${hashedJs(dist)}`, wasm = js.replace(/\.js$/, "_bg.wasm");
  for (const path of [js, wasm, "/boot.js", "/config.json"]) {
    assert.ok(answered.some((a) => a.path === path && a.worker), `${path} came from the worker`);
  }
  // From the worker, only its background check (index.html and the unhashed
  // files, config.json among them); no hashed file, no glue, no wasm of the app.
  const expected = new Set(["/", "/boot.js", "/stark_worker_loader.js", "/stark_worker.js", "/stark_worker_bg.wasm", "/config.json"]);
  assert.deepEqual(toServer.filter((p) => !expected.has(p)), [], "nothing else fetched again");
  assert.deepEqual(page.consoleLines.filter((l) => l.startsWith("pageerror")), []);
  await page.context().close();
});

test("the install keeps the engine too, before the page has asked for it", async () => {
  const { app, dist } = await deploy();
  const page = await newPage(browser);
  // The page never reaches its idle time here, so it never fetches the engine
  // itself: what the cache holds is the install's doing. (Otherwise a first
  // visit that fetched the engine before the worker took the page left it
  // uncached, and the next start went to the network for it.)
  await page.addInitScript(() => { window.requestIdleCallback = () => 0; });
  await page.goto(app.url("/"));
  await page.getByTestId("signed-out").waitFor();
  await controlled(page);
  const engine = readdirSync(dist).filter((f) => /^passport_engine-[0-9a-f]+(_bg\.wasm|\.js)$/.test(f));
  assert.equal(engine.length, 2, "the build has the engine's glue and wasm");
  const cached = await cachedUrls(page);
  for (const file of engine) assert.ok(cached.includes(app.url(`/${file}`)), `${file} is cached`);
  await page.context().close();
});

test("a new deploy: the page offers Reload (keyboard, role=status); after it the new version runs, whole", async () => {
  const { app, dist, indexFile } = await deploy();
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  await controlled(page);

  // Deploy 2: the glue under a new hashed name, and a marker in index.html.
  const oldJs = hashedJs(dist);
  const newJs = oldJs.replace(/-[0-9a-f]+\.js$/, "-c0ffee00c0ffee00.js");
  cpSync(join(dist, oldJs), join(dist, newJs));
  writeFileSync(indexFile, readFileSync(indexFile, "utf8").replaceAll(oldJs, newJs)
    .replace("<title>", '<meta name="deploy" content="2"><title>'));

  // This load is still deploy 1 (from the cache); the check behind it finds deploy 2.
  await page.reload();
  await page.getByTestId("signed-out").waitFor();
  const offer = page.getByRole("status").filter({ hasText: "A new version is available" });
  await offer.waitFor();
  assert.equal(await page.locator('meta[name="deploy"]').count(), 0, "the old version still runs until Reload");

  const requested = [];
  page.on("request", (r) => requested.push(new URL(r.url()).pathname));
  const reload = offer.getByRole("button", { name: "Reload" });
  await reload.focus();
  assert.equal(await reload.evaluate((b) => b === document.activeElement), true, "Reload takes the keyboard focus");
  await Promise.all([page.waitForEvent("load"), page.keyboard.press("Enter")]);
  await page.getByTestId("signed-out").waitFor();

  assert.equal(await page.locator('meta[name="deploy"]').getAttribute("content"), "2", "the new index.html");
  assert.ok(requested.includes(`/${newJs}`), "the new glue loaded");
  assert.ok(!requested.includes(`/${oldJs}`), "no file of the old deploy in the new page");
  assert.equal(await offer.count(), 0, "no offer once up to date");
  const cached = await cachedUrls(page);
  assert.ok(!cached.some((u) => u.endsWith(`/${oldJs}`)), "the old hashed glue left the cache");
  await page.context().close();
});

test("a config.json change is a new deploy: offered with Reload, the old one kept until then", async () => {
  const { app, passport } = await deploy();
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  await controlled(page);
  const served = () => page.evaluate(() => fetch("config.json").then((r) => r.json()));
  assert.equal((await served()).logout_mode, undefined);

  app.setConfig(passport.config({ logout_mode: "silent" }));
  await page.reload();
  await page.getByTestId("signed-out").waitFor();
  const offer = page.getByRole("status").filter({ hasText: "A new version is available" });
  await offer.waitFor();
  // This page started with the configuration it was served with, and keeps it.
  assert.equal((await served()).logout_mode, undefined, "no half-taken change");

  await Promise.all([page.waitForEvent("load"), offer.getByRole("button", { name: "Reload" }).click()]);
  await page.getByTestId("signed-out").waitFor();
  assert.equal((await served()).logout_mode, "silent", "after Reload, the new configuration");
  assert.equal(await offer.count(), 0, "no offer once up to date");
  await page.context().close();
});

test("a new deploy nobody took with Reload is taken at the next start, once no page of the old one is open", async () => {
  const { app, indexFile } = await deploy();
  const context = await browser.newContext();
  const first = await context.newPage();
  await first.goto(app.url("/"));
  await controlled(first);
  writeFileSync(indexFile, readFileSync(indexFile, "utf8").replace("<title>", '<meta name="deploy" content="2"><title>'));
  await first.reload();
  await first.getByRole("status").filter({ hasText: "A new version is available" }).waitFor();

  // A second tab while the first still runs the old deploy: the old one too, with the offer.
  const second = await context.newPage();
  await second.goto(app.url("/"));
  await second.getByRole("status").filter({ hasText: "A new version is available" }).waitFor();
  assert.equal(await second.locator('meta[name="deploy"]').count(), 0, "no mix with the open old page's deploy");
  await second.close();
  await first.close();

  const next = await context.newPage();
  await next.goto(app.url("/"));
  await next.getByTestId("signed-out").waitFor();
  assert.equal(await next.locator('meta[name="deploy"]').getAttribute("content"), "2", "the new deploy, without a click");
  await next.waitForTimeout(500);
  assert.equal(await next.getByText("A new version is available").count(), 0, "and no offer");
  await context.close();
});

test("offline, a reload shows the signed-in user and says the network is unavailable; nothing is lost", async () => {
  const { app } = await deploy();
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  const email = newEmail("offline");
  await signInWithPopup(page, { email, create: true });
  await controlled(page);
  const before = await storedUser(page);

  await page.context().setOffline(true);
  await page.reload();
  await page.getByTestId("profile").waitFor();
  assert.equal(await page.getByTestId("profile-email").innerText(), email);
  const offline = page.getByRole("status").filter({ hasText: "network is unavailable" });
  await offline.waitFor();
  await assertStoredUnchanged(page, before, "nothing was lost");

  await page.context().setOffline(false);
  await offline.waitFor({ state: "detached" });
  await page.context().close();
});

test("sign-in callbacks (popup and redirect) complete through it; no code or state is cached; the provider's requests pass it by", async () => {
  const { app, passport } = await deploy();
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  await controlled(page);

  const responses = [];
  // What the pages got (the worker's own fetches are reported too: left out here).
  page.context().on("response", (r) => { if (!r.request().serviceWorker()) responses.push({ url: r.url(), worker: r.fromServiceWorker() }); });
  await signInWithPopup(page, { email: newEmail("sw-popup"), create: true });
  await page.getByTestId("sign-out").click();
  await page.getByTestId("signed-out").waitFor();

  // The redirect flow, in a tab the worker controls (same browser profile).
  const tab = await page.context().newPage();
  await tab.goto(app.url("/"));
  await controlled(tab);
  const callbackUrl = await signInInThisTab(tab, app.url("/"), newEmail("sw-redirect"));
  assert.match(callbackUrl, /\/redirect\?code=/);

  const callbacks = responses.filter((r) => r.url.includes("/redirect?code="));
  assert.equal(callbacks.length, 2, "both callbacks loaded");
  // The first from the server (a path not yet seen), then the cached shell.
  assert.ok(callbacks[1].worker, "the second callback page is the cached shell");
  const provider = [passport.address, passport.issuer, passport.wallet_origin].map((o) => new URL(o).origin);
  const toProvider = responses.filter((r) => provider.includes(new URL(r.url).origin));
  assert.ok(toProvider.length > 0, "the provider was reached");
  assert.deepEqual(toProvider.filter((r) => r.worker), [], "nothing of the provider came from the worker");
  const cached = await cachedUrls(page);
  assert.ok(cached.length > 0);
  assert.deepEqual(cached.filter((u) => /[?&](code|state)=/.test(u) || u.includes("?")), [], "no URL with a query in the cache");
  assert.deepEqual(cached.filter((u) => !u.startsWith(app.url("/"))), [], "only the app's own files in the cache");
  await page.context().close();
});

test("another page the site serves on the same origin stays itself; offline, the app's pages still load", async () => {
  const other = "<!doctype html><title>Other</title><h1>Another page on this origin</h1>";
  const { app } = await deploy({ extraFiles: { "/other/": { type: "text/html", body: other } } });
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  await controlled(page);
  await page.goto(app.url("/other/"));
  assert.equal(await page.locator("h1").innerText(), "Another page on this origin");
  await page.goto(app.url("/no/such/page")); // the server answers with the app: remembered as the app's
  await page.getByTestId("not-found").waitFor();

  await page.context().setOffline(true);
  assert.ok((await page.goto(app.url("/no/such/page"))).fromServiceWorker());
  await page.getByTestId("not-found").waitFor();
  assert.ok((await page.goto(app.url("/"))).fromServiceWorker());
  await page.getByTestId("signed-out").waitFor();
  await page.context().close();
});

test("the switch: a deploy with <meta name=passport-service-worker content=off> unregisters it and deletes its caches", async () => {
  const { app, indexFile } = await deploy();
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  await controlled(page);
  assert.ok((await cachedUrls(page)).length > 0);

  writeFileSync(indexFile, readFileSync(indexFile, "utf8").replace("<title>", '<meta content=off name=passport-service-worker><title>'));
  // The next load finds it (from the worker's background check or from the page itself).
  await page.reload();
  await page.waitForFunction(async () => (await navigator.serviceWorker.getRegistrations()).length === 0);
  // The worker keeps the pages it controls until they close; the user's next visit is free of it.
  const context = page.context();
  await page.close();
  const next = await context.newPage();
  const navigation = await next.goto(app.url("/"));
  await next.getByTestId("signed-out").waitFor();
  assert.equal(navigation.fromServiceWorker(), false, "index.html from the server");
  await next.waitForTimeout(500); // boot.js has run past its registration point
  assert.equal(await next.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0, "not registered again");
  assert.deepEqual(await cachedUrls(next), [], "its caches are gone");
  await context.close();
});

test("under trunk serve (its live-reload script in the page) it is not registered", async () => {
  const { app } = await deploy({
    // What trunk serve appends to <body>: an inline script opening its WebSocket.
    edit: (html) => html.replace("</body>", '<script>const trunkWs = "ws://127.0.0.1:1/.well-known/trunk/ws";</script></body>'),
  });
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  await page.getByTestId("signed-out").waitFor();
  await page.waitForLoadState("load");
  await page.waitForTimeout(1000);
  assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0);
  await page.context().close();
});

test("under a sub-path (/passport/) it is scoped to that path and serves the app from there", async () => {
  const basePath = "/passport/";
  // What `trunk build --public-url /passport/` changes: the base and the file URLs.
  const { app } = await deploy({ basePath, edit: (html) => html.replaceAll("=/", `=${basePath}`) });
  const page = await newPage(browser);
  await page.goto(app.url(basePath));
  await page.getByTestId("signed-out").waitFor();
  assert.equal(await controlled(page), app.url(basePath));
  const deep = await page.goto(app.url(`${basePath}no/such/page`));
  assert.ok(deep.fromServiceWorker(), "a deep link below the base is the cached shell");
  await page.getByTestId("not-found").waitFor();
  const outside = await page.goto(app.url("/elsewhere"));
  assert.equal(outside.fromServiceWorker(), false, "outside the base path it does nothing");
  assert.equal(outside.status(), 404);
  await page.context().close();
});
