// The login callback as real configurations place it, and the way back from
// a callback that failed. Redirect URIs as integrators register them in
// Immutable Hub: the default `/redirect`, a nested `/auth/callback`, a deep
// path with a trailing slash, and each below a deploy base path.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { startApp, startPassport, startBrowser, newPage, ROOT } from "./harness.mjs";
import { newEmail, signInInThisTab, openSignInPopup, fillPassportForm, signInWithPopup, assertSignedOut, createAccount } from "./flows.mjs";

const SUBPATH_DIST = process.env.SUBPATH_DIST || join(ROOT, "target/dist-subpath");

let browser;
before(async () => { browser = await startBrowser(); });
after(async () => { await browser?.close(); });

/** Signs up in the popup and checks the app reaches the profile. */
async function signInThrough(app, base, callbackPath) {
  const page = await newPage(browser);
  await page.goto(app.url(base));
  const popup = await openSignInPopup(page);
  assert.equal(new URL(popup.url()).searchParams.get("redirect_uri"), app.url(`${base}${callbackPath}`));
  const email = newEmail("path");
  const closed = popup.waitForEvent("close");
  await fillPassportForm(popup, { email, create: true });
  await closed;
  await page.getByTestId("profile").waitFor({ timeout: 15000 });
  assert.equal(await page.getByTestId("profile-email").innerText(), email);
  // A reload at the base restores it, so the callback stored it for this app.
  await page.reload();
  await page.getByTestId("profile").waitFor();
  await page.context().close();
}

const CALLBACK_PATHS = [
  // [base path, callback below it, bundle]
  ["/", "redirect", null],
  ["/", "auth/callback", null],
  ["/", "a/b/c/", null],
  ["/passport/", "redirect", SUBPATH_DIST],
  ["/passport/", "auth/callback", SUBPATH_DIST],
];

for (const [base, callbackPath, dist] of CALLBACK_PATHS) {
  describe(`a redirect URI at ${base}${callbackPath}`, { skip: dist && !existsSync(dist) ? `${dist} is not built` : false }, () => {
    let app, passport;
    before(async () => {
      app = await startApp(dist ? { dist, basePath: base } : {});
      passport = await startPassport(app.port, [], undefined, base, undefined, callbackPath);
      app.setConfig(passport.config({ redirect_uri: app.url(`${base}${callbackPath}`) }));
    });
    after(async () => { passport?.cleanup(); await app?.stop(); });

    test("signs in by popup and the session restores", async () => {
      await signInThrough(app, base, callbackPath);
    });

    test("a forged state on that route is refused and the way back leads to the sign-in button", async () => {
      const page = await newPage(browser);
      await page.goto(app.url(`${base}${callbackPath}?code=stolen&state=forged`));
      await page.getByTestId("callback-error").waitFor();
      await page.getByTestId("callback-back").click();
      await page.getByTestId("signed-out").waitFor();
      assert.equal(new URL(page.url()).pathname, base);
      await assertSignedOut(page);
      await page.context().close();
    });
  });
}

describe("a redirect URI the app cannot serve", () => {
  let app, passport;
  before(async () => {
    app = await startApp();
    passport = await startPassport(app.port);
  });
  after(async () => { passport?.cleanup(); await app?.stop(); });

  for (const [what, uri] of [
    ["on another origin", (a) => `https://game.example/redirect`],
    ["on the other loopback name", (a) => a.url("/redirect", "localhost")],
    ["the home page itself", (a) => a.url("/")],
  ]) {
    test(`${what} is refused when the configuration loads, naming the field`, async () => {
      app.setConfig(passport.config({ redirect_uri: uri(app) }));
      const page = await newPage(browser);
      await page.goto(app.url("/"));
      const error = page.getByTestId("config-error");
      await error.waitFor();
      const text = await error.innerText();
      assert.match(text, /redirect_uri/);
      assert.match(text, /INVALID_CONFIGURATION/);
      assert.ok(text.includes(app.url("/redirect")), `suggests a URL that works: ${text}`);
      await page.context().close();
    });
  }
});

describe("the way back from a failed callback", () => {
  let app, passport;
  before(async () => {
    app = await startApp();
    passport = await startPassport(app.port);
    app.setConfig(passport.config());
  });
  after(async () => { passport?.cleanup(); await app?.stop(); });

  test("a forged state, signed in: Back to the app shows the session, without a reload", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/"));
    const email = newEmail("forged");
    await signInWithPopup(page, { email, create: true });
    await page.goto(app.url("/redirect?code=stolen&state=forged"));
    await page.getByTestId("callback-stale").waitFor();
    await page.evaluate(() => { window.__sameDocument = true; });
    await page.getByTestId("callback-back").click();
    await page.getByTestId("profile").waitFor();
    assert.equal(await page.getByTestId("profile-email").innerText(), email);
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "no reload");
    await page.context().close();
  });

  test("a replayed callback link leads back to the session it started", async () => {
    const page = await newPage(browser);
    const email = newEmail("replay");
    const callbackUrl = await signInInThisTab(page, app.url("/"), email);
    await page.goto(callbackUrl);
    await page.getByTestId("callback-stale").waitFor();
    await page.getByTestId("callback-back").click();
    await page.getByTestId("profile").waitFor();
    assert.equal(await page.getByTestId("profile-email").innerText(), email);
    await page.context().close();
  });

  test("a provider error: the code is quoted, the description shown as a quotation, and the way back works", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/"));
    await page.evaluate(() => { window.open = () => null; });
    await page.getByTestId("sign-in").click();
    await page.getByTestId("continue-in-tab").click();
    await page.locator("#email").waitFor();
    const state = new URL(page.url()).searchParams.get("state");
    const lure = "Your account is locked. Call +1 555 0100 to unlock it.";
    await page.goto(app.url(`/redirect?error=access_denied&error_description=${encodeURIComponent(lure)}&state=${encodeURIComponent(state)}`));
    await page.getByTestId("callback-error").waitFor();
    const message = await page.getByTestId("callback-error-message").innerText();
    assert.match(message, /“access_denied”/);
    assert.ok(!message.includes(lure), "the description is not the app's sentence");
    assert.equal(await page.getByTestId("provider-description").innerText(), lure);
    assert.equal(await page.locator("blockquote[data-testid=provider-description]").count(), 1);
    await page.getByTestId("callback-back").click();
    await page.getByTestId("signed-out").waitFor();
    await page.context().close();
  });

  test("a state naming a foreign origin is not repeated to the user", async () => {
    const page = await newPage(browser);
    const state = `x.${Buffer.from("https://evil.example").toString("base64url")}`;
    await page.goto(app.url(`/redirect?code=abc&state=${state}`));
    await page.getByTestId("callback-stale").waitFor();
    assert.equal(await page.getByTestId("started-origin").count(), 0);
    assert.ok(!(await page.getByTestId("callback-error").innerText()).includes("evil.example"));
    await page.context().close();
  });

  test("an existing account's session is untouched by a forged callback in another tab", async () => {
    const email = newEmail("untouched");
    await createAccount(browser, app.url("/"), email);
    const page = await newPage(browser);
    await page.goto(app.url("/"));
    await signInWithPopup(page, { email });
    const other = await page.context().newPage();
    await other.goto(app.url("/redirect?code=stolen&state=forged"));
    await other.getByTestId("callback-error").waitFor();
    await page.reload();
    await page.getByTestId("profile").waitFor();
    await page.context().close();
  });
});
