// Faults a deployed app meets: the local Passport crashing (kill -9) in the
// middle of registration and coming back, the identity provider process down
// during a refresh, and the browser going offline. Each case checks that the
// user keeps what they had, nothing is duplicated, and a retry completes.
// (The IMX API or the wallet service down, the popup blocked or closed and
// two tabs refreshing at once are in registration.test.mjs and login.test.mjs.)
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { startApp, startPassport, startBrowser, newPage, freePort } from "./harness.mjs";
import { newEmail, signInWithPopup, storedUser, assertStoredUnchanged } from "./flows.mjs";

let app, browser;
before(async () => { app = await startApp(); browser = await startBrowser(); });
after(async () => { await browser?.close(); await app?.stop(); });

/** A local Passport on fixed ports, so it can be killed and restarted in place. */
async function restartablePassport(extraArgs = []) {
  const ports = { port: await freePort(), walletPort: await freePort() };
  const passport = await startPassport(app.port, extraArgs, undefined, "/", ports);
  app.setConfig(passport.config());
  return passport;
}

/** A new account, signed in, on the registration screen. */
async function signedUpForRegistration(prefix) {
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  const email = newEmail(prefix);
  await signInWithPopup(page, { email, create: true });
  await page.getByTestId("registration").waitFor();
  return { page, email };
}

/**
 * Crashes the local Passport (kill -9) when the first registration is POSTed:
 * `afterCommit` lets that request reach the server and commit first, so only
 * the answer is lost; otherwise it meets a dead server.
 */
async function crashOnRegistration(page, passport, { afterCommit }) {
  let crashed = false;
  await page.route(/\/v2\/passport\/users$/, async (route) => {
    if (crashed || route.request().method() !== "POST") return route.continue();
    crashed = true;
    if (!afterCommit) {
      await passport.kill();
      return route.continue(); // connection refused
    }
    const response = await route.fetch();
    assert.ok(response.ok(), `the registration was stored before the crash (HTTP ${response.status()})`);
    await passport.kill();
    return route.abort("connectionreset");
  });
  return () => crashed;
}

async function failedStep(page) {
  await page.getByTestId("registration-error").waitFor({ timeout: 20000 });
  return page.locator("[data-testid=registration-steps] li[data-state=failed]").getAttribute("data-step");
}

describe("crash and restart", () => {
  let passport;
  before(async () => { passport = await restartablePassport(); });
  after(() => passport?.cleanup());

  test("kill -9 right after IMX stored the registration: after a restart, Try again registers exactly once", async () => {
    const { page, email } = await signedUpForRegistration("crash");
    // The worst moment for duplicates: stored, but the answer never arrives.
    const crashed = await crashOnRegistration(page, passport, { afterCommit: true });
    await page.getByTestId("register").click();
    assert.equal(await failedStep(page), "Submitting");
    assert.ok(crashed());
    assert.equal((await storedUser(page)).profile.email, email, "still signed in");

    await passport.restart();
    await page.getByTestId("register").click(); // "Try again"
    await page.getByTestId("imx-eth-address").waitFor({ timeout: 20000 });
    const ethAddress = await page.getByTestId("imx-eth-address").getAttribute("data-full");
    const records = passport.users().filter((u) => u.email === email);
    assert.equal(records.length, 1, "one account");
    assert.equal(records[0].registered, true);
    const accounts = await (await fetch(passport.url(`v1/users/${ethAddress}`))).json();
    assert.equal(accounts.accounts.length, 1, "registered once");
    await page.context().close();
  });

  test("kill -9 before the registration arrives: after a restart, Try again registers", async () => {
    const { page, email } = await signedUpForRegistration("crash-early");
    await crashOnRegistration(page, passport, { afterCommit: false });
    await page.getByTestId("register").click();
    assert.equal(await failedStep(page), "Submitting");
    assert.equal(passport.users().find((u) => u.email === email).registered, false, "nothing half-stored");
    await passport.restart();
    await page.getByTestId("register").click();
    await page.getByTestId("imx-eth-address").waitFor({ timeout: 20000 });
    assert.equal(passport.users().find((u) => u.email === email).registered, true);
    await page.context().close();
  });
});

describe("identity provider down during refresh", () => {
  let passport;
  before(async () => { passport = await restartablePassport(["--access-token-ttl", "32"]); });
  after(() => passport?.cleanup());

  test("the provider's process is gone: the user is kept; once it is back, Try again refreshes", async () => {
    const page = await newPage(browser);
    await page.goto(app.url("/"));
    await signInWithPopup(page, { email: newEmail("idp-down"), create: true });
    const before = await storedUser(page);
    await page.waitForTimeout(2500); // the access token is now due for refresh
    await passport.kill();
    await page.reload();
    const error = page.getByTestId("restore-error");
    await error.waitFor({ timeout: 20000 });
    assert.match(await error.innerText(), /still signed in/);
    await assertStoredUnchanged(page, before, "nothing was lost");
    await passport.restart();
    await page.getByRole("button", { name: "Try again" }).click();
    await page.getByTestId("profile").waitFor();
    const after = await storedUser(page);
    assert.notEqual(after.access_token, before.access_token, "refreshed");
    await page.context().close();
  });
});

describe("browser offline", () => {
  let passport;
  before(async () => { passport = await restartablePassport(); });
  after(() => passport?.cleanup());

  test("offline, registration fails with a network error and keeps the session; online, Try again completes", async () => {
    const { page, email } = await signedUpForRegistration("offline");
    await page.context().setOffline(true);
    await page.getByTestId("register").click();
    await failedStep(page);
    assert.match(await page.getByTestId("registration-error").innerText(), /network|reach/i);
    assert.equal((await storedUser(page)).profile.email, email);
    await page.context().setOffline(false);
    await page.getByTestId("register").click();
    await page.getByTestId("imx-eth-address").waitFor({ timeout: 20000 });
    assert.equal(passport.users().find((u) => u.email === email).registered, true);
    await page.context().close();
  });
});
