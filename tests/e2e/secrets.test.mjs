// Secrets never leak: a full flow (sign-up in the popup, registration, a
// refresh with rotation, sign-out) with the local Passport logging at its most verbose
// level (trace) and every browser console message captured, page, popup and the
// registration worker. None of the secrets that passed through may appear in
// any of it, the wallet's signatures (the Stark key's seed among them) included.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startApp, startPassport, startBrowser } from "./harness.mjs";
import { newEmail, fillPassportForm, storedUser, PASSWORD } from "./flows.mjs";

let app, passport, browser;
before(async () => {
  app = await startApp();
  process.env.LOCAL_PASSPORT_LOG = "trace"; // the most the local Passport would ever print
  passport = await startPassport(app.port, ["--access-token-ttl", "32"]);
  delete process.env.LOCAL_PASSPORT_LOG;
  app.setConfig(passport.config());
  browser = await startBrowser();
});
after(async () => { await browser?.close(); passport?.cleanup(); await app?.stop(); });

test("no token, code, verifier, password, cookie or key appears in the server log or the browser console", async () => {
  const context = await browser.newContext();
  const consoleLines = [];
  context.on("console", (msg) => consoleLines.push(msg.text()));
  context.on("weberror", (err) => consoleLines.push(String(err.error())));
  const page = await context.newPage();
  const secrets = new Map(); // what -> value
  const keep = (what, value) => { if (value && value.length >= 8) secrets.set(`${what} ${secrets.size}`, value); };

  await page.goto(app.url("/"));
  const popupPromise = page.waitForEvent("popup");
  await page.getByTestId("sign-in").click();
  const popup = await popupPromise;
  popup.on("framenavigated", (frame) => {
    const url = new URL(frame.url());
    if (url.pathname === "/redirect") keep("authorization code", url.searchParams.get("code"));
  });
  // The pending sign-in holds the PKCE verifier, the nonce and the state.
  const pending = await page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key.startsWith("passport.pending.")) return JSON.parse(localStorage.getItem(key));
    }
    return null;
  });
  assert.ok(pending, "the pending sign-in is stored");
  keep("PKCE verifier", pending.verifier);
  keep("nonce", pending.nonce);
  const email = newEmail("secrets");
  const closed = popup.waitForEvent("close");
  await fillPassportForm(popup, { email, create: true });
  await closed;
  await page.getByTestId("profile").waitFor();
  keep("password", PASSWORD);
  const first = await storedUser(page);
  keep("ID token", first.id_token);
  keep("access token", first.access_token);
  keep("refresh token", first.refresh_token);
  for (const cookie of await context.cookies(passport.issuer)) keep(`cookie ${cookie.name}`, cookie.value);

  // Registration through TEE Express and the Stark worker.
  const signatures = [];
  page.on("response", (response) => {
    if (response.url().endsWith("/v1/wallet/sign/message") && response.request().method() === "POST") {
      signatures.push(response.json().then((body) => body.signature));
    }
  });
  await page.getByTestId("register").click();
  await page.getByTestId("imx-eth-address").waitFor({ timeout: 20000 });
  const signed = await Promise.all(signatures);
  assert.equal(signed.length, 2, "the seed and the registration message were signed");
  signed.forEach((signature, i) => keep(`wallet signature ${i}`, signature));
  const registered = await storedUser(page);
  keep("ID token after registration", registered.id_token);
  keep("refresh token after registration", registered.refresh_token);

  // A refresh with rotation on reload, then sign-out (revocation).
  await page.waitForTimeout(2500);
  await page.reload();
  await page.getByTestId("profile").waitFor();
  const refreshed = await storedUser(page);
  assert.notEqual(refreshed.access_token, registered.access_token, "the reload refreshed");
  keep("refreshed access token", refreshed.access_token);
  keep("rotated refresh token", refreshed.refresh_token);
  await page.getByTestId("sign-out").click();
  await page.getByTestId("signed-out").waitFor();

  keep("key-encryption key", readFileSync(join(passport.dataDir, "kek.key"), "utf8").trim());
  await context.close();

  const serverLog = passport.logs.join("");
  const browserLog = consoleLines.join("\n");
  assert.ok(serverLog.includes("/oauth/token") && serverLog.includes("/v1/wallet/sign/message"), "the server log covers the flow");
  assert.ok(secrets.size >= 12, `collected ${secrets.size} secrets`);
  const leaks = [];
  for (const [what, value] of secrets) {
    // Tokens also checked by their signature part, which is what a log would cut to.
    const needles = [value, ...(value.split(".").length === 3 ? [value.split(".")[2]] : [])];
    for (const needle of needles) {
      if (serverLog.includes(needle)) leaks.push(`${what} in the local Passport's log`);
      if (browserLog.includes(needle)) leaks.push(`${what} in the browser console`);
    }
  }
  assert.deepEqual(leaks, []);
});
