// Sign-in, the /redirect callback and the cached-session restore, in headless
// Chromium against the real app bundle and a real local Passport.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { startApp, startPassport, startBrowser, newPage } from "./harness.mjs";
import { createAccount, signInInThisTab, newEmail, revokeRefreshToken, openSignInPopup, signInWithPopup, fillPassportForm, storedUser, recordRequests, PASSWORD, assertSignedOut, assertStoredUnchanged } from "./flows.mjs";

let app, browser;
before(async () => { app = await startApp(); browser = await startBrowser(); });
after(async () => { await browser?.close(); await app?.stop(); });

describe("with default token lifetimes", () => {
  let passport;
  before(async () => { passport = await startPassport(app.port); app.setConfig(passport.config()); });
  after(() => passport?.cleanup());

  test("a new account signs in with the popup and sees the profile", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/"));
    await page.getByTestId("signed-out").waitFor();
    const email = newEmail("new");
    await signInWithPopup(page, { email, create: true });
    const stored = await storedUser(page);
    // Stored as the official SDK stores it, under its key (see sdk-session.test.mjs).
    const keys = await page.evaluate(() => Object.keys(localStorage));
    assert.ok(keys.includes(`oidc.user:${passport.issuer.replace(/\/$/, "")}:local-passport-app`), `the SDK's key among ${keys}`);
    assert.equal(stored.token_type, "Bearer");
    assert.equal(stored.profile.email, email);
    assert.match(await page.getByTestId("profile-sub").innerText(), /^email\|/);
    await page.context().close();
  });

  test("an existing account signs in, and a reload restores it without any window or request", async () => {
    const email = newEmail("existing");
    await createAccount(browser, app.url("/"), email);

    const page = await newPage(browser);
    await page.goto(app.url("/"));
    await signInWithPopup(page, { email });

    const popups = [];
    page.on("popup", (p) => popups.push(p));
    const requests = recordRequests(page, passport.issuer);
    await page.reload();
    await page.getByTestId("profile").waitFor();
    assert.equal(await page.getByTestId("profile-email").innerText(), email);
    assert.equal(popups.length, 0, "restoring never opens a window");
    assert.deepEqual(requests, [], "a valid cached session needs no network");
    await page.context().close();
  });

  test("the redirect flow signs in in this tab and Back does not replay the callback", async () => {
    const page = await newPage(browser);
    await page.addInitScript(() => { window.open = () => null; }); // a popup blocker
    await page.goto(app.url("/"));
    await page.getByTestId("sign-in").click();
    const prompt = page.getByTestId("sign-in-error");
    await prompt.waitFor();
    assert.match(await prompt.innerText(), /blocked/);
    await page.getByTestId("continue-in-tab").click();
    const email = newEmail("redirect");
    await fillPassportForm(page, { email, create: true });
    await page.getByTestId("profile").waitFor();
    assert.equal(new URL(page.url()).pathname, "/", "the callback URL is replaced by home");
    assert.equal(await page.getByTestId("profile-email").innerText(), email);
    await page.goBack();
    assert.ok(!page.url().includes("/redirect?"), "Back does not return to the spent callback");
    await page.context().close();
  });

  test("a blocked popup offers try again, which opens the popup on a fresh click", async () => {
    const page = await newPage(browser);
    await page.addInitScript(() => {
      const real = window.open;
      let blocked = true;
      window.open = (...args) => { if (blocked) { blocked = false; return null; } return real.apply(window, args); };
    });
    await page.goto(app.url("/"));
    await page.getByTestId("sign-in").click();
    await page.getByTestId("sign-in-error").waitFor();
    const popupPromise = page.waitForEvent("popup");
    await page.getByTestId("try-again").click();
    const popup = await popupPromise;
    const email = newEmail("retry");
    await fillPassportForm(popup, { email, create: true });
    await page.getByTestId("profile").waitFor();
    await page.context().close();
  });

  test("closing the popup shows a clear error within 2 seconds", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/"));
    const popup = await openSignInPopup(page);
    const closedAt = Date.now();
    await popup.close();
    const error = page.getByTestId("sign-in-error");
    await error.waitFor({ timeout: 2000 });
    assert.ok(Date.now() - closedAt < 2000);
    assert.match(await error.innerText(), /sign-in window was closed/);
    assert.equal(await page.getByTestId("sign-in").isEnabled(), true, "the user can try again");
    await page.context().close();
  });

  test("a callback with a forged state shows the No matching state page", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/redirect?code=stolen&state=forged"));
    const error = page.getByTestId("callback-error");
    await error.waitFor();
    assert.match(await error.innerText(), /No matching state found in storage/);
    // Nothing names another host: no guess at one.
    await page.getByTestId("callback-stale").waitFor();
    assert.equal(await page.getByTestId("started-origin").count(), 0);
    await assertSignedOut(page, "nothing is stored");
    await page.context().close();
  });

  test("a callback on 127.0.0.1 after starting on localhost explains the host mismatch", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/", "localhost"));
    const popup = await openSignInPopup(page);
    const state = new URL(popup.url()).searchParams.get("state");
    await popup.close();
    await page.goto(app.url(`/redirect?code=abc&state=${encodeURIComponent(state)}`, "127.0.0.1"));
    await page.getByTestId("callback-error").waitFor();
    assert.equal(await page.getByTestId("started-origin").innerText(), `http://localhost:${app.port}`);
    assert.equal(await page.getByTestId("callback-origin").innerText(), `http://127.0.0.1:${app.port}`);
    assert.match(await page.getByTestId("callback-error").innerText(), /separate storage for each host name/);
    assert.equal(await page.getByTestId("callback-stale").count(), 0, "not taken for a used link");
    await page.context().close();
  });

  test("replaying a completed callback URL is refused and keeps the session", async () => {
    const page = await newPage(browser);
    const callbackUrl = await signInInThisTab(page, app.url("/"), newEmail("replay"));
    const before = await storedUser(page);
    await page.goto(callbackUrl);
    await page.getByTestId("callback-error").waitFor();
    assert.match(await page.getByTestId("callback-error").innerText(), /No matching state/);
    // A used link, on the host it started on: said as such, with no other host guessed.
    assert.match(await page.getByTestId("callback-stale").innerText(), /already used or has expired/);
    assert.equal(await page.getByTestId("started-origin").count(), 0);
    await assertStoredUnchanged(page, before, "the signed-in user is untouched");
    await page.context().close();
  });

  test("logout revokes the session, clears storage and ends the provider session", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/"));
    await signInWithPopup(page, { email: newEmail("logout"), create: true });
    const refreshToken = (await storedUser(page)).refresh_token;
    // Sign-out ends at the provider's logout, which sends the browser back here.
    const back = page.waitForEvent("framenavigated", {
      predicate: (frame) => frame === page.mainFrame() && frame.url() === app.url("/"),
    });
    const providerLogout = page.waitForRequest((r) => r.url().startsWith(passport.url("v2/logout")));
    await page.getByTestId("sign-out").click();
    await providerLogout;
    await back;
    await page.getByTestId("signed-out").waitFor();
    await assertSignedOut(page);
    const response = await fetch(passport.url("oauth/token"), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", client_id: "local-passport-app", refresh_token: refreshToken }),
    });
    assert.equal((await response.json()).error, "invalid_grant", "the refresh token was revoked");
    // The provider session is over too: signing in again shows the form.
    const popup = await openSignInPopup(page);
    await popup.close();
    await page.context().close();
  });

  test("corrupt stored session is treated as signed out, removed, and reported without tokens", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/"));
    await signInWithPopup(page, { email: newEmail("corrupt"), create: true });
    const stored = await storedUser(page);
    await page.evaluate(() => {
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        if (key.startsWith("oidc.user:")) localStorage.setItem(key, localStorage.getItem(key).slice(0, 40));
      }
    });
    await page.reload();
    await page.getByTestId("signed-out").waitFor();
    await assertSignedOut(page, "the corrupt entry is removed");
    const console = page.consoleLines.join("\n");
    assert.match(console, /stored session is not valid JSON/);
    assert.ok(!console.includes(stored.access_token) && !console.includes(stored.refresh_token));
    await page.context().close();
  });
});

describe("with an access token that expires in seconds", () => {
  let passport;
  before(async () => {
    passport = await startPassport(app.port, ["--access-token-ttl", "32"]);
    app.setConfig(passport.config());
  });
  after(() => passport?.cleanup());

  test("an expired access token is refreshed silently on reload", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/"));
    await signInWithPopup(page, { email: newEmail("refresh"), create: true });
    const before = await storedUser(page);
    await page.waitForTimeout(2500);
    const popups = [];
    page.on("popup", (p) => popups.push(p));
    const requests = recordRequests(page, passport.issuer);
    await page.reload();
    await page.getByTestId("profile").waitFor();
    const after = await storedUser(page);
    assert.notEqual(after.access_token, before.access_token, "a new access token");
    assert.ok(after.refresh_token !== before.refresh_token, "the refresh token rotated");
    assert.ok(requests.includes("POST /oauth/token"));
    assert.equal(popups.length, 0);
    await page.context().close();
  });

  test("a revoked refresh token signs the user out cleanly", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/"));
    await signInWithPopup(page, { email: newEmail("revoked"), create: true });
    const user = await storedUser(page);
    await revokeRefreshToken(passport, user.refresh_token);
    await page.waitForTimeout(2500);
    await page.reload();
    await page.getByTestId("signed-out").waitFor();
    await assertSignedOut(page);
    assert.equal(page.consoleLines.filter((l) => l.startsWith("pageerror")).length, 0);
    await page.context().close();
  });

  test("a session the provider ended shows as ended in this tab too, with a sign-in button", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/"));
    await signInWithPopup(page, { email: newEmail("ended"), create: true });
    await page.getByTestId("registration").waitFor();
    const user = await storedUser(page);
    await revokeRefreshToken(passport, user.refresh_token);
    // The access token expires in seconds here: the next use refreshes, and
    // the provider refuses. No reload, no other tab: this tab must notice.
    await page.waitForTimeout(2500);
    await page.getByTestId("register").click();
    await page.getByTestId("session-ended").waitFor({ timeout: 15000 }).catch(async (err) => {
      const shown = await page.locator("main").innerText().catch(() => "");
      throw new Error(`${err.message}\n${shown}`);
    });
    await page.getByTestId("sign-in").waitFor();
    assert.equal(await page.getByTestId("registration").count(), 0, "no registration screen with a dead session");
    assert.equal(await page.getByTestId("profile").count(), 0, "no profile of a dead session");
    await assertSignedOut(page);
    await page.context().close();
  });

  test("two tabs refreshing at once both stay signed in", async () => {
    const context = await browser.newContext();
    const first = await context.newPage();
    await first.goto(app.url("/"));
    await signInWithPopup(first, { email: newEmail("twotabs"), create: true });
    const second = await context.newPage();
    for (const page of [first, second]) {
      page.consoleLines = [];
      page.on("console", (msg) => page.consoleLines.push(`${msg.type()}: ${msg.text()}`));
    }
    await second.goto(app.url("/"));
    await second.getByTestId("profile").waitFor();
    await first.waitForTimeout(2500);
    await Promise.all([first.reload(), second.reload()]);
    const shown = (page) => page.getByTestId("profile").waitFor({ timeout: 15000 }).catch(async (err) => {
      const log = passport.logs.join("").split("\n").filter((l) => /WARN|oauth\/token|jwks/.test(l)).slice(-20).join("\n");
      throw new Error(`${err.message}\n${await page.locator("main").innerHTML()}\nconsole:\n${page.consoleLines?.join("\n")}\n${log}`);
    });
    await Promise.all([shown(first), shown(second)]);
    // Rotation did not log anyone out: one more reload still restores.
    await second.reload();
    await shown(second);
    await context.close();
  });

  test("the identity provider down during refresh keeps the user and says to retry", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/"));
    await signInWithPopup(page, { email: newEmail("offline"), create: true });
    const before = await storedUser(page);
    await page.waitForTimeout(2500);
    await page.route(`${passport.issuer}oauth/token`, (route) => route.abort("connectionrefused"));
    await page.reload();
    const error = page.getByTestId("restore-error");
    await error.waitFor();
    assert.match(await error.innerText(), /still signed in/);
    await assertStoredUnchanged(page, before, "the user is kept");
    await page.unroute(`${passport.issuer}oauth/token`);
    await page.getByRole("button", { name: "Try again" }).click();
    await page.getByTestId("profile").waitFor();
    await page.context().close();
  });
});

describe("with a redirect URI at another path", () => {
  let passport;
  before(async () => {
    passport = await startPassport(app.port, [], undefined, "/", undefined, "callback");
    app.setConfig(passport.config({ redirect_uri: app.url("/callback") }));
  });
  after(() => passport?.cleanup());

  test("the callback route follows the configured redirect_uri", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/"));
    const popup = await openSignInPopup(page);
    assert.equal(new URL(popup.url()).searchParams.get("redirect_uri"), app.url("/callback"));
    const email = newEmail("callback");
    const closed = popup.waitForEvent("close");
    await fillPassportForm(popup, { email, create: true });
    await closed;
    await page.getByTestId("profile").waitFor();
    assert.equal(await page.getByTestId("profile-email").innerText(), email);
    // /redirect is no page of this app now.
    await page.goto(app.url("/redirect?code=x&state=y"));
    await page.getByTestId("not-found").waitFor();
    await page.context().close();
  });
});

describe("direct sign-in by email", () => {
  let passport;
  before(async () => {
    passport = await startPassport(app.port);
    app.setConfig(passport.config());
  });
  after(() => passport?.cleanup());

  test("Continue with email opens the sign-in window with the address filled in", async () => {
    const email = newEmail("direct");
    await createAccount(browser, app.url("/"), email);

    const page = await newPage(browser);
    await page.goto(app.url("/"));
    await page.getByTestId("direct-email").fill(email);
    const popupPromise = page.waitForEvent("popup");
    await page.getByTestId("continue-with-email").click();
    const popup = await popupPromise;
    await popup.locator("#email").waitFor();
    const asked = new URL(popup.url());
    assert.equal(asked.searchParams.get("direct"), "email");
    assert.equal(asked.searchParams.get("email"), email);
    assert.equal(await popup.locator("#email").inputValue(), email, "filled in");
    const closed = popup.waitForEvent("close");
    await popup.locator("#password").fill(PASSWORD);
    await popup.locator("#submit").click();
    await closed;
    await page.getByTestId("profile").waitFor();
    assert.equal(await page.getByTestId("profile-email").innerText(), email);
    await page.context().close();
  });
});

describe("with a sign-in page that sends Cross-Origin-Opener-Policy: same-origin", () => {
  // As Google's and Apple's sign-in pages do: the app then reads the popup
  // as closed while the user is still signing in there.
  let passport;
  before(async () => {
    passport = await startPassport(app.port, ["--sign-in-coop"]);
    app.setConfig(passport.config());
  });
  after(() => passport?.cleanup());

  test("signing in through it by popup still signs the user in", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/"));
    const coop = [];
    page.context().on("response", (r) => {
      if (new URL(r.url()).pathname === "/authorize") coop.push(r.headers()["cross-origin-opener-policy"]);
    });
    const popupPromise = page.waitForEvent("popup");
    await page.getByTestId("sign-in").click();
    const popup = await popupPromise;
    // The user takes their time, long past the app's closed-window check.
    await popup.locator("#email").waitFor();
    assert.equal(coop[0], "same-origin", "the switch is on");
    await page.waitForTimeout(1500);
    const email = newEmail("coop");
    await fillPassportForm(popup, { email, create: true });
    await page.getByTestId("profile").waitFor({ timeout: 15000 }).catch(async (err) => {
      const shown = await popup.locator("body").innerText().catch(() => "(popup gone)");
      throw new Error(`${err.message}\npopup: ${shown}`);
    });
    assert.equal(await page.getByTestId("profile-email").innerText(), email);
    await page.context().close();
  });
});

describe("across tabs", () => {
  let passport;
  before(async () => { passport = await startPassport(app.port); app.setConfig(passport.config()); });
  after(() => passport?.cleanup());

  test("signing in and out in one tab is followed by the other", async () => {
    const context = await browser.newContext();
    const first = await context.newPage();
    const second = await context.newPage();
    await first.goto(app.url("/"));
    await second.goto(app.url("/"));
    await second.getByTestId("signed-out").waitFor();
    await signInWithPopup(first, { email: newEmail("follow"), create: true });
    await second.getByTestId("profile").waitFor();
    await first.getByTestId("sign-out").click();
    await second.getByTestId("signed-out").waitFor();
    await context.close();
  });
});
