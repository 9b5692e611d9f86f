// One session with the official JS SDK: @imtbl/passport 2.14.0 (unchanged,
// at /sdk/) and this app on the same origin share the signed-in user, because
// this client stores it as the SDK does, under the SDK's key
// `oidc.user:<authenticationDomain>:<client_id>`. A site moving from the SDK
// to this client keeps its users signed in, and the other way round.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startApp, startPassport, startBrowser } from "./harness.mjs";
import { newEmail, fillPassportForm, signInWithPopup, recordRequests, storedUser } from "./flows.mjs";
import { mountSdkPage, sdkContext } from "./sdk/site.mjs";

let app, passport, browser;
const extraFiles = {};

before(async () => {
  app = await startApp({ extraFiles });
  passport = await startPassport(app.port, ["--access-token-ttl", "40"], undefined, "/", undefined, "redirect",
    { redirect: ["/sdk/redirect"], logout: ["/sdk/"] });
  app.setConfig(passport.config({ logout_mode: "silent" }));
  await mountSdkPage(extraFiles, passport);
  browser = await startBrowser();
});
after(async () => { await browser?.close(); passport?.cleanup(); await app?.stop(); });

async function openSdkPage(context) {
  const page = await context.newPage();
  page.lines = [];
  page.on("console", (m) => page.lines.push(`${m.type()}: ${m.text()}`));
  await page.goto(app.url("/sdk/"));
  await page.locator("body[data-ready=true]").waitFor({ state: "attached", timeout: 20000 });
  return page;
}

/** This app in a new page of `context`, with `email` signed up by its popup. */
async function signInToApp(context, email) {
  const page = await context.newPage();
  await page.goto(app.url("/"));
  await signInWithPopup(page, { email, create: true });
  return page;
}

async function signInWithSdk(page, email) {
  const popupPromise = page.waitForEvent("popup");
  const login = page.evaluate(() => window.sdk.login());
  const popup = await popupPromise;
  await fillPassportForm(popup, { email, create: true });
  const user = await login;
  assert.equal(user.email, email);
}

test("a user signed in by the official SDK opens this app signed in, with no window and no request", async () => {
  const context = await sdkContext(browser, passport);
  const sdkPage = await openSdkPage(context);
  const email = newEmail("from-sdk");
  await signInWithSdk(sdkPage, email);

  const page = await context.newPage();
  const popups = [];
  page.on("popup", (p) => popups.push(p));
  const requests = recordRequests(page, passport.issuer);
  await page.goto(app.url("/"));
  await page.getByTestId("profile").waitFor();
  assert.equal(await page.getByTestId("profile-email").innerText(), email);
  assert.equal(popups.length, 0, "no window");
  assert.deepEqual(requests, [], "no request: the SDK's session is used as it is");
  await context.close();
});

test("a user signed in here opens the SDK's page signed in", async () => {
  const context = await sdkContext(browser, passport);
  const email = newEmail("to-sdk");
  await signInToApp(context, email);

  const sdkPage = await openSdkPage(context);
  const requests = recordRequests(sdkPage, passport.issuer);
  assert.equal(await sdkPage.evaluate(() => window.sdk.restore()), email);
  assert.deepEqual(requests, [], "the SDK reads this client's session without a request");
  assert.match(await sdkPage.evaluate(() => window.sdk.idToken()), /^ey/, "and hands out its ID token");
  await context.close();
});

test("a sign-out on either side reaches the other", async () => {
  const context = await sdkContext(browser, passport);
  const page = await signInToApp(context, newEmail("out-both"));

  // This app signs out (silently): the SDK no longer has a user.
  const sdkPage = await openSdkPage(context);
  assert.ok(await sdkPage.evaluate(() => window.sdk.restore()));
  await page.getByTestId("sign-out").click();
  await page.getByTestId("signed-out").waitFor();
  assert.equal(await sdkPage.evaluate(() => window.sdk.restore()), null, "signed out in the SDK too");

  // The SDK signs in again and then out: this app's open page follows both.
  await page.locator("iframe[hidden]").waitFor({ state: "detached", timeout: 10000 }).catch(() => {});
  const email = newEmail("sdk-again");
  await signInWithSdk(sdkPage, email);
  await page.getByTestId("profile").waitFor();
  assert.equal(await page.getByTestId("profile-email").innerText(), email, "another user signing in reaches this page");
  sdkPage.evaluate(() => window.sdk.logout()).catch(() => {}); // it navigates to the provider and back
  await page.getByTestId("signed-out").waitFor({ timeout: 15000 });
  assert.equal(await storedUser(page), null);
  await context.close();
});

test("the SDK and this app refreshing the same session at once keep the user signed in", async () => {
  const context = await sdkContext(browser, passport);
  const page = await signInToApp(context, newEmail("both-refresh"));
  const before = await storedUser(page);
  const sdkPage = await openSdkPage(context);
  // The access token lives 40 s, and both clients take it as due 30 s before
  // it expires: 10 s in which the tests above read the other's session with
  // no request (with 32 s, a slow run left 2 s, and the SDK refreshed). Wait
  // until both consider it due, then refresh at once.
  await page.waitForTimeout(Math.max(0, (before.expires_at - Date.now() / 1000) * 1000) + 1000);
  const [, sdkEmail] = await Promise.all([page.reload(), sdkPage.evaluate(() => window.sdk.restore())]);
  await page.getByTestId("profile").waitFor({ timeout: 15000 });
  assert.ok(sdkEmail, "the SDK still has its user");
  assert.equal(await page.getByTestId("session-ended").count(), 0, "this app was not signed out");
  const after = await storedUser(page);
  assert.ok(after, "a session is still stored");
  assert.notEqual(after.access_token, before.access_token, "and it was refreshed");
  await context.close();
});

test("the SDK signing out while this app registers stops the registration cleanly", async () => {
  const context = await sdkContext(browser, passport);
  const page = await signInToApp(context, newEmail("sdk-out-mid-run"));
  await page.getByTestId("registration").waitFor();
  await passport.admin("POST", "faults", { wallet: { slow: 1500 } });
  try {
    await page.getByTestId("register").click();
    await page.locator("li[data-step=ReadingKeys][data-state='in progress']").waitFor({ timeout: 10000 });
    const after = [];
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (r.method() !== "OPTIONS" && (url.origin === passport.wallet_origin || url.pathname.startsWith("/v2/passport"))) {
        after.push(`${r.method()} ${url.pathname}`);
      }
    });
    const sdkPage = await openSdkPage(context);
    sdkPage.evaluate(() => window.sdk.logout()).catch(() => {}); // it navigates to the provider and back
    await page.getByTestId("signed-out").waitFor({ timeout: 15000 });
    await page.waitForTimeout(3000);
    assert.deepEqual(after, [], "the run stopped: nothing more went to the wallet or IMX");
    assert.equal(page.workers().length, 0, "the Stark worker is gone");
    assert.equal(await page.getByTestId("registration-error").count(), 0, "no error for a sign-out");
    assert.equal(await storedUser(page), null);
  } finally {
    await passport.admin("POST", "faults", { wallet: null });
    await context.close();
  }
});
