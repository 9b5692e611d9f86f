// The on-demand engine (crates/passport-engine): the first screen never waits
// for it, a click that needs it says it is loading, and an engine that cannot
// load (offline, missing, refused) shows what failed and a retry, with the
// stored session untouched.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startApp, startPassport, startBrowser, newPage as newPageWithWorker, ROOT } from "./harness.mjs";
import { newEmail, signInWithPopup, fillPassportForm, storedUser, assertStoredUnchanged, assertSignedOut } from "./flows.mjs";

// Pages without the service worker: it keeps the engine once fetched (so an
// installed app loads it offline, service-worker.test.mjs); these tests are
// about the engine's own load from the network.
const newPage = (browser) => newPageWithWorker(browser, { serviceWorkers: "block" });

const ENGINE = /\/passport_engine-[0-9a-f]{16}(_bg\.wasm|\.js)$/;

let app, passport, browser;
before(async () => {
  app = await startApp();
  passport = await startPassport(app.port);
  app.setConfig(passport.config());
  browser = await startBrowser();
});
after(async () => { await browser?.close(); passport?.cleanup(); await app?.stop(); });

/** Holds every request for the engine's files until `release()`; `fail()`
 *  aborts the held ones and every later one, as offline or a 404 would. */
async function gateEngine(page) {
  const held = [];
  let mode = "hold";
  await page.context().route(ENGINE, (route) => {
    if (mode === "pass") return route.continue();
    if (mode === "fail") return route.abort("internetdisconnected");
    held.push(route);
  });
  return {
    held,
    release() { mode = "pass"; held.splice(0).forEach((r) => r.continue()); },
    fail() { mode = "fail"; held.splice(0).forEach((r) => r.abort("internetdisconnected")); },
  };
}

/** A signed-in page: signs up in a popup with the engine free to load. */
async function signedInPage(prefix) {
  const page = await newPage(browser);
  await page.goto(app.url("/", "localhost"));
  const email = newEmail(prefix);
  await signInWithPopup(page, { email, create: true });
  return { page, email };
}

/** Signs up a new account in `popup` (opened by `page`) and checks the profile shows it. */
async function signUpIn(page, popup, prefix) {
  await popup.locator("#email").waitFor();
  const closed = popup.waitForEvent("close");
  const email = newEmail(prefix);
  await fillPassportForm(popup, { email, create: true });
  await closed;
  await page.getByTestId("profile").waitFor();
  assert.equal(await page.getByTestId("profile-email").innerText(), email);
}

test("the built page names its engine by content hash, and the engine is not part of the first download", async () => {
  const html = readFileSync(join(ROOT, "dist/index.html"), "utf8");
  const name = /data-engine=["']?(passport_engine-[0-9a-f]{16})/.exec(html)?.[1];
  assert.ok(name, "index.html's boot script tag names the engine");
  for (const file of [`${name}.js`, `${name}_bg.wasm`]) {
    const response = await fetch(app.url(`/${file}`));
    assert.equal(response.status, 200, `${file} is served`);
  }
  assert.doesNotMatch(html, /passport_engine[^"' >]*\.(js|wasm)/, "no preload or script loads the engine with the page");
});

test("a new visitor's Sign in button works before the engine has loaded, and says it is loading", async () => {
  const page = await newPage(browser);
  const gate = await gateEngine(page);
  await page.goto(app.url("/", "localhost"));
  const button = page.getByTestId("sign-in");
  await button.waitFor();
  assert.equal(await button.isEnabled(), true, "the button works with the engine still held");
  const popupPromise = page.waitForEvent("popup");
  await button.click();
  // The popup opens inside the click, empty, while the engine loads.
  const popup = await popupPromise;
  assert.equal(popup.url(), "about:blank");
  await page.getByText("Loading sign-in…").waitFor();
  gate.release();
  await popup.locator("#email").waitFor();
  assert.match(popup.url(), /\/authorize\?/, "sent to the provider once the engine built the URL");
  await signUpIn(page, popup, "held");
  await page.context().close();
});

test("a returning visitor's profile shows without the engine", async () => {
  const { page, email } = await signedInPage("returning");
  const gate = await gateEngine(page);
  await page.reload();
  await page.getByTestId("profile").waitFor();
  assert.equal(await page.getByTestId("profile-email").innerText(), email);
  // The idle-time load may have asked for the engine: it is still held, so
  // nothing on screen came from it.
  assert.ok(gate.held.every((r) => ENGINE.test(new URL(r.request().url()).pathname)));
  gate.release();
  await page.context().close();
});

test("an engine that cannot load: sign-in says what failed, closes the empty window, and Try again works", async () => {
  const page = await newPage(browser);
  const gate = await gateEngine(page);
  gate.fail();
  await page.goto(app.url("/", "localhost"));
  const popupPromise = page.waitForEvent("popup");
  await page.getByTestId("sign-in").click();
  const popup = await popupPromise;
  const error = page.getByTestId("sign-in-error");
  await error.waitFor();
  assert.match(await error.innerText(), /sign-in code could not be loaded.*passport_engine-[0-9a-f]{16}\.js.*Check your connection/s);
  await popup.waitForEvent("close").catch(() => {});
  assert.equal(popup.isClosed(), true, "the empty window does not stay open");
  await assertSignedOut(page, "a failed load stores nothing");
  gate.release();
  const retry = page.waitForEvent("popup");
  await page.getByTestId("try-again").click();
  await signUpIn(page, await retry, "retry");
  await page.context().close();
});

test("an engine that cannot load: registration says what failed, the session is untouched, and Try again registers", async () => {
  const { page } = await signedInPage("register");
  // A fresh page load, so the engine is not already in memory.
  const gate = await gateEngine(page);
  gate.fail();
  await page.reload();
  await page.getByTestId("profile").waitFor();
  const before = await storedUser(page);
  await page.getByTestId("register").click();
  const error = page.getByTestId("registration-error");
  await error.waitFor({ timeout: 15000 });
  assert.match(await error.innerText(), /sign-in code could not be loaded/);
  await assertStoredUnchanged(page, before, "a failed engine load");
  assert.equal(await page.getByTestId("profile-email").isVisible(), true, "still signed in");
  gate.release();
  await page.getByTestId("register").click();
  await page.getByTestId("imx-eth-address").waitFor({ timeout: 20000 });
  assert.equal(await page.getByTestId("imx-status").innerText(), "Registered");
  await page.context().close();
});

test("sign-out with an engine that cannot load still forgets the user here and says the provider was not told", async () => {
  const { page } = await signedInPage("signout");
  const gate = await gateEngine(page);
  gate.fail();
  await page.reload();
  await page.getByTestId("profile").waitFor();
  await page.getByTestId("sign-out").click();
  await page.getByTestId("signed-out").waitFor();
  await assertSignedOut(page, "signed out here");
  await page.getByText(/signed out here, but the provider could not be told/).waitFor();
  await page.context().close();
});
