// The core flows in every engine players use: Chromium, Firefox and WebKit
// (the engine of Safari), with the same steps and assertions in each, on the
// README's own layout: the app on `localhost`, the local Passport on
// `127.0.0.1`, two different sites, as a game's domain and Immutable's are.
// The full suite runs in Chromium; this file is what must hold everywhere.
// E2E_ENGINES=firefox,webkit (comma-separated) picks engines.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { startApp, startPassport } from "./harness.mjs";
import { newEmail, PASSWORD } from "./flows.mjs";
import { ENGINES, launchEngine, testId, until } from "./engines.mjs";

const engines = (process.env.E2E_ENGINES || ENGINES.join(",")).split(",").map((e) => e.trim()).filter(Boolean);
const APP_HOST = "localhost";

let app, passport, shortLived;
before(async () => {
  app = await startApp();
  passport = await startPassport(app.port);
  // Access tokens due for refresh two seconds after they are issued.
  shortLived = await startPassport(app.port, ["--access-token-ttl", "32"]);
});
after(async () => { passport?.cleanup(); shortLived?.cleanup(); await app?.stop(); });

// ------------------------------------------------------------ user steps --

const text = (tab, selector) => tab.evaluate(`document.querySelector(${JSON.stringify(selector)})?.innerText ?? null`);
const shows = (tab, selector) => tab.evaluate(`document.querySelector(${JSON.stringify(selector)}) !== null`);
const waitFor = (tab, selector, timeout = 15000) =>
  until(() => shows(tab, selector), `${selector} on screen`, timeout).catch(async (err) => {
    const main = await text(tab, "body").catch(() => "(page unreadable)");
    throw new Error(`${err.message}\npage: ${String(main).slice(0, 1500)}`);
  });

/** The stored user's JSON, or null (never printed: it holds tokens). */
const storedUser = (tab) => tab.evaluate(`(() => {
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key.startsWith("oidc.user:")) return JSON.parse(localStorage.getItem(key));
  }
  return null;
})()`);

/** Paths of the requests this document made to `origin` (Resource Timing, which every engine keeps). */
const requestsTo = (tab, origin) => tab.evaluate(`performance.getEntriesByType("resource")
  .map((e) => e.name).filter((n) => n.startsWith(${JSON.stringify(origin)})).map((n) => new URL(n).pathname)`);

async function fillPassportForm(tab, { email, create }) {
  await waitFor(tab, "#email");
  if (create && !(await text(tab, "h1")).includes("Create")) {
    await tab.click("#switch-mode");
    await until(async () => (await text(tab, "h1")).includes("Create your account"), "the sign-up form");
  }
  await tab.fill("#email", email);
  await tab.fill("#password", PASSWORD);
  await tab.click("#submit");
}

async function openSignInPopup(tab) {
  const popup = await tab.waitForPopup(() => tab.click(testId("sign-in")));
  await waitFor(popup, "#email");
  return popup;
}

async function signInWithPopup(tab, { email, create }) {
  const popup = await openSignInPopup(tab);
  await fillPassportForm(popup, { email, create });
  await until(() => popup.isClosed(), "the sign-in window to close itself");
  await waitFor(tab, testId("profile"));
  assert.equal(await text(tab, testId("profile-email")), email);
}

/** Waits until the hidden sign-out frame is gone or back on the app's origin. */
const silentLogoutDone = (tab) => until(() => tab.evaluate(`(() => {
  const frame = document.querySelector("iframe[hidden]");
  if (!frame) return true;
  try { return frame.contentWindow.location.origin === location.origin; } catch { return false; }
})()`), "the hidden sign-out frame to finish");

// ------------------------------------------------------------ the flows --

for (const name of engines) {
  describe(`in ${name}`, { timeout: 10 * 60_000 }, () => {
    let engine;
    before(async () => {
      engine = await launchEngine(name);
      console.log(`# ${engine.version}`);
    });
    after(() => engine?.close());

    /** A fresh profile with one tab, closed after `body`. */
    const withTab = async (body) => {
      const context = await engine.newContext();
      try {
        await body(await context.newTab(), context);
      } finally {
        await context.close();
      }
    };
    const use = (provider, extra = {}) => app.setConfig(provider.config(extra));

    test("signs up in the popup; a reload restores the user with no window and no request", { timeout: 90_000 }, () => withTab(async (tab) => {
      use(passport);
      await tab.goto(app.url("/", APP_HOST));
      await waitFor(tab, testId("signed-out"));
      const email = newEmail(`${name}-popup`);
      await signInWithPopup(tab, { email, create: true });
      assert.equal((await storedUser(tab))?.profile?.email, email, "the user is stored");

      await tab.reload();
      await waitFor(tab, testId("profile"));
      assert.equal(await text(tab, testId("profile-email")), email);
      assert.equal(await tab.windowCount(), 1, "restoring never opens a window");
      assert.deepEqual(await requestsTo(tab, passport.issuer), [], "a valid cached session needs no network");
    }));

    test("the engine loads on demand: after the first screen is up, and sign-in goes through it", { timeout: 90_000 }, () => withTab(async (tab) => {
      use(passport);
      await tab.goto(app.url("/", APP_HOST));
      await waitFor(tab, testId("sign-in"));
      // Fetched at idle time once the first screen is up (Resource Timing and
      // the app's mark for a finished restore, in every engine).
      const engineLoad = () => tab.evaluate(`(() => {
        const file = performance.getEntriesByType("resource").find((e) => /passport_engine-[0-9a-f]{16}_bg\\.wasm$/.test(e.name));
        const restored = performance.getEntriesByName("passport:restored")[0];
        return file && restored ? { fetched: file.startTime, restored: restored.startTime } : null;
      })()`);
      await until(async () => (await engineLoad()) !== null, "the engine fetched at idle time", 20000);
      const { fetched, restored } = await engineLoad();
      assert.ok(fetched >= restored, `the engine was fetched after the first screen (${fetched.toFixed(0)} ms, screen at ${restored.toFixed(0)} ms)`);
      await signInWithPopup(tab, { email: newEmail(`${name}-engine`), create: true });
    }));

    test("with the service worker installed, a reload while the app's server is down shows the signed-in user", { timeout: 120_000 }, async () => {
      // Its own app server, to stop: the app's origin unreachable, as offline.
      const own = await startApp();
      const provider = await startPassport(own.port);
      own.setConfig(provider.config());
      try {
        await withTab(async (tab) => {
          await tab.goto(own.url("/", APP_HOST));
          await waitFor(tab, testId("signed-out"));
          const email = newEmail(`${name}-shell`);
          await signInWithPopup(tab, { email, create: true });
          await until(() => tab.evaluate("!!navigator.serviceWorker && !!navigator.serviceWorker.controller"), "the service worker to control the page", 30000);
          await own.stop();
          await tab.reload();
          await waitFor(tab, testId("profile"));
          assert.equal(await text(tab, testId("profile-email")), email, "the cached shell restores the stored session");
          assert.equal((await storedUser(tab))?.profile?.email, email, "nothing of the session was lost");
        });
      } finally {
        provider.cleanup();
        await own.stop();
      }
    });

    test("signs in by redirect in this tab when the popup is blocked", { timeout: 90_000 }, () => withTab(async (tab) => {
      use(passport);
      await tab.goto(app.url("/", APP_HOST));
      await waitFor(tab, testId("sign-in"));
      await tab.evaluate("(window.open = () => null, true)"); // a popup blocker
      await tab.click(testId("sign-in"));
      await waitFor(tab, testId("sign-in-error"));
      assert.match(await text(tab, testId("sign-in-error")), /blocked/);
      await tab.click(testId("continue-in-tab"));
      await fillPassportForm(tab, { email: newEmail(`${name}-redirect`), create: true });
      await waitFor(tab, testId("profile"));
      assert.match(await tab.url(), new RegExp(`^http://${APP_HOST}:${app.port}/$`), "the callback's query is gone from the address bar");
    }));

    test("a callback with a forged state is refused and stores nothing", { timeout: 90_000 }, () => withTab(async (tab) => {
      use(passport);
      await tab.goto(app.url("/redirect?code=stolen&state=forged", APP_HOST));
      await waitFor(tab, testId("callback-error"));
      assert.match(await text(tab, testId("callback-error")), /No matching state found in storage/);
      assert.equal(await storedUser(tab), null, "nothing is stored");
    }));

    test("two tabs refreshing at once both stay signed in", { timeout: 90_000 }, () => withTab(async (first, context) => {
      use(shortLived);
      await first.goto(app.url("/", APP_HOST));
      await signInWithPopup(first, { email: newEmail(`${name}-tabs`), create: true });
      const before = await storedUser(first);
      const second = await context.newTab();
      await second.goto(app.url("/", APP_HOST));
      await waitFor(second, testId("profile"));
      await new Promise((ok) => setTimeout(ok, 2500)); // the access token is now due
      // Both reload at once: each sees the token due and refreshes.
      const reloadSoon = "(setTimeout(() => location.reload(), 50), true)";
      await Promise.all([first.evaluate(reloadSoon), second.evaluate(reloadSoon)]);
      await new Promise((ok) => setTimeout(ok, 500));
      await waitFor(first, testId("profile"));
      await waitFor(second, testId("profile"));
      const after = await storedUser(second);
      assert.ok(after, "still stored");
      assert.notEqual(after.access_token, before.access_token, "the session was refreshed");
      assert.equal(await shows(first, testId("session-ended")), false);
      assert.equal(await shows(second, testId("session-ended")), false);
    }));

    test("registers with IMX, every step shown as it runs", { timeout: 90_000 }, () => withTab(async (tab) => {
      use(passport);
      await tab.goto(app.url("/", APP_HOST));
      await signInWithPopup(tab, { email: newEmail(`${name}-register`), create: true });
      await waitFor(tab, testId("registration"));
      await tab.evaluate(`(() => {
        window.stepLog = [];
        const record = () => document.querySelectorAll("[data-testid=registration-steps] li")
          .forEach((li) => window.stepLog.push(li.dataset.step + ":" + li.dataset.state));
        new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
        return true;
      })()`);
      await tab.click(testId("register"));
      await waitFor(tab, testId("imx-eth-address"), 30000);
      const log = await tab.evaluate("window.stepLog");
      for (const step of ["ConnectingWallet", "ReadingKeys", "RequestingPayload", "Signing", "Submitting", "Confirming", "Done"]) {
        assert.ok(log.includes(`${step}:done`), `${step} reached done; saw ${[...new Set(log)].join(", ")}`);
      }
      assert.ok(log.some((entry) => entry.endsWith(":in progress")), "steps were shown in progress as they ran");
      assert.equal(await text(tab, testId("imx-status")), "Registered");
      assert.match(await tab.evaluate(`document.querySelector('[data-testid="imx-stark-key"]').dataset.full`), /^0x[0-9a-f]{64}$/);
    }));

    for (const mode of ["redirect", "silent"]) {
      test(`signing out (${mode}) ends the provider's session: the next Sign in shows the form`, { timeout: 90_000 }, () => withTab(async (tab) => {
        use(passport, { logout_mode: mode });
        await tab.goto(app.url("/", APP_HOST));
        await signInWithPopup(tab, { email: newEmail(`${name}-out-${mode}`), create: true });
        // Marks this document: the redirect mode's way back is a new one.
        await tab.evaluate("(window.beforeSignOut = true)");
        await tab.click(testId("sign-out"));
        await waitFor(tab, testId("signed-out"));
        if (mode === "silent") await silentLogoutDone(tab);
        else {
          await until(async () => (await tab.url()) === app.url("/", APP_HOST)
            && (await tab.evaluate("window.beforeSignOut !== true"))
            && (await shows(tab, testId("signed-out"))), "the way back from the provider's logout");
        }
        assert.equal(await storedUser(tab), null, "nothing is stored");
        // Signed out at the provider too: the window asks who is signing in,
        // rather than completing on a session that should have ended.
        const popup = await openSignInPopup(tab);
        assert.equal(await shows(tab, testId("profile")), false, "not signed in again without the form");
        await popup.close();
      }));
    }
  });
}
