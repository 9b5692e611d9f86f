// Steps a user takes, shared by the end-to-end tests.
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";

let counter = 0;
/** A fresh email address. */
export function newEmail(prefix = "user") {
  counter += 1;
  return `${prefix}-${Date.now()}-${counter}@example.test`;
}

export const PASSWORD = "correct horse battery";

/** Fills the local Passport's form in `popup` (a Page) and submits it. */
export async function fillPassportForm(popup, { email, password = PASSWORD, create = false }) {
  await popup.locator("#email").waitFor();
  if (create && !(await popup.locator("h1").innerText()).includes("Create")) {
    await popup.locator("#switch-mode").click();
    await popup.locator("h1", { hasText: "Create your account" }).waitFor();
  }
  await popup.locator("#email").fill(email);
  await popup.locator("#password").fill(password);
  await popup.locator("#submit").click();
}

/** Clicks "Sign in with Passport" and returns the popup once its form shows. */
export async function openSignInPopup(page) {
  const popupPromise = page.waitForEvent("popup");
  await page.getByTestId("sign-in").click();
  const popup = await popupPromise;
  await popup.locator("#email").waitFor();
  return popup;
}

/** Clicks "Sign in with Passport", completes the popup, and waits for the profile. */
export async function signInWithPopup(page, { email, password = PASSWORD, create = false }) {
  const popup = await openSignInPopup(page);
  const closed = popup.waitForEvent("close");
  await fillPassportForm(popup, { email, password, create });
  await closed;
  await page.getByTestId("profile").waitFor();
  assert.equal(await page.getByTestId("profile-email").innerText(), email);
  return popup;
}

/** Opens the app at `url` behind a popup blocker (for the page's life), signs
 *  up `email` in this tab by the redirect flow, and returns the callback URL
 *  the provider sent the tab to, once the profile shows. */
export async function signInInThisTab(page, url, email) {
  await page.addInitScript(() => { window.open = () => null; });
  await page.goto(url);
  await page.getByTestId("sign-in").click();
  await page.getByTestId("continue-in-tab").click();
  let callbackUrl;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame() && frame.url().includes("/redirect?code=")) callbackUrl = frame.url();
  });
  await fillPassportForm(page, { email, create: true });
  await page.getByTestId("profile").waitFor();
  assert.ok(callbackUrl, "the callback URL was seen");
  return callbackUrl;
}

/** Creates the account `email` in a browser context of its own, closed after:
 *  a user who exists but is signed in nowhere. */
export async function createAccount(browser, url, email) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await signInWithPopup(page, { email, create: true });
  await context.close();
}

/** Asserts nobody is signed in: no user stored. On failure the message says
 *  so without printing the stored user (it holds tokens). */
export async function assertSignedOut(page, message = "nobody is signed in") {
  const stored = await storedUser(page);
  assert.ok(stored === null, `${message}: a user is still stored`);
}

/** Asserts the stored user is still `before`, without printing either (they hold tokens). */
export async function assertStoredUnchanged(page, before, message) {
  assert.ok(isDeepStrictEqual(await storedUser(page), before), `${message}: the stored user changed`);
}

/** The stored user's JSON, or null. */
export async function storedUser(page) {
  return page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key.startsWith("oidc.user:")) return JSON.parse(localStorage.getItem(key));
    }
    return null;
  });
}

/** Requests the page makes to `origin` from now on. */
export function recordRequests(page, origin) {
  const seen = [];
  page.on("request", (request) => { if (request.url().startsWith(origin)) seen.push(`${request.method()} ${new URL(request.url()).pathname}`); });
  return seen;
}

/** Revokes a refresh token at the local Passport, as the user's other device or an admin would. */
export async function revokeRefreshToken(passport, token) {
  const response = await fetch(passport.url("oauth/revoke"), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, client_id: "local-passport-app" }),
  });
  assert.equal(response.status, 200, "revoked");
}
