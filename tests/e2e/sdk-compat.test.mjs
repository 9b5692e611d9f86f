// The test of the local Passport's fidelity: the official @imtbl/passport
// 2.14.0, unchanged (bundled from npm) and on its defaults (no prompt or
// overlay option changed), signs in through its embedded login prompt and
// popup, connects IMX, registers off-chain, sees itself registered and signs
// out against the local Passport served over TLS (`serve --tls`). It is
// pointed there with its own `overrides` (authentication domain, IMX API),
// and reaches the authentication domain as it is, https and all, its logout
// URL included. Chromium trusts the local certificate by the public-key pin
// the server prints (--ignore-certificate-errors-spki-list), so a pin that
// is not the served key's fails the test. The TEE Express host the SDK
// hard-codes, and the production IMX API it asks about existing Stark keys
// for a few accounts, are routed to the local Passport by Playwright.
// Immutable's metrics host is refused, as offline. If the SDK cannot do this,
// the local Passport is not the real contract.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:tls";
import { startBrowser } from "./harness.mjs";
import { newEmail, fillPassportForm } from "./flows.mjs";
import { startSdkSite, sdkContext } from "./sdk/site.mjs";

let site, passport, browser, origin;

/** The SHA-256 of the certificate served at `url`, as `AB:CD:…`. */
function servedFingerprint(url) {
  const { hostname, port } = new URL(url);
  return new Promise((ok, fail) => {
    const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false, servername: "localhost" }, () => {
      ok(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on("error", fail);
  });
}

before(async () => {
  site = await startSdkSite(["--tls"], { sdkDefaults: true });
  ({ passport, origin } = site);
  assert.match(passport.issuer, /^https:\/\/127\.0\.0\.1:\d+\/$/, "the issuer is https");
  assert.match(passport.wallet_origin, /^https:/, "the wallet origin is https");
  // The fingerprint printed is the certificate both ports serve.
  assert.equal(await servedFingerprint(passport.issuer), passport.tls.sha256);
  assert.equal(await servedFingerprint(passport.wallet_origin), passport.tls.sha256);
  browser = await startBrowser([`--ignore-certificate-errors-spki-list=${passport.tls.spki_sha256}`]);
});
after(async () => {
  await browser?.close();
  await site?.stop();
});

const PROMPT = "#passport-embedded-login-iframe";

test("closing the embedded login prompt ends the SDK's login as closed by the user", async () => {
  const context = await sdkContext(browser, passport);
  const page = await context.newPage();
  const lines = [];
  page.on("console", (m) => lines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => lines.push(`pageerror: ${e.message}`));
  await page.goto(`${origin}/sdk/`);
  await page.locator("body[data-ready=true]").waitFor({ state: "attached", timeout: 20000 });
  // The prompt's messages that reach the SDK's page, for the failure message:
  // their origin and type only (another message, a sign-in callback's, could
  // carry a code or a token into the test's output).
  await page.evaluate(() => {
    window.__messages = [];
    addEventListener("message", (e) => {
      if (e.data?.eventType === "im_passport_embedded_login_prompt") window.__messages.push({ origin: e.origin, type: e.data.messageType });
    });
  });
  const login = page.evaluate(() => window.sdk.login().then(() => "signed in", (e) => e.message));
  // Click Close only once the prompt's script has run (it marks the prompt
  // ready): a click on the bare button before that does nothing, and the login
  // would wait forever. (The frame's load event is no sign: the iframe's first
  // document is about:blank, loaded at once.)
  const prompt = page.frameLocator(PROMPT);
  await prompt.locator("#prompt[data-ready=true]").waitFor({ timeout: 20000 });
  // And once the SDK's 1 s pop-in (a scale animation on the iframe) is over,
  // as a user would: a click computed mid-animation can land beside the button.
  await page.locator(PROMPT).evaluate((frame) => Promise.all(frame.getAnimations().map((a) => a.finished)));
  await prompt.locator("#close").click();
  const outcome = await Promise.race([login, new Promise((ok) => setTimeout(() => ok("no answer within 20 s"), 20000))]);
  const seen = async () => JSON.stringify({
    messages: await page.evaluate(() => window.__messages),
    frames: page.frames().map((f) => f.url()),
    prompts: await page.locator(PROMPT).count(),
    console: lines,
  }, null, 1);
  assert.match(outcome, /closed by user/, outcome.startsWith("no answer") ? await seen() : outcome);
  assert.equal(await page.locator(PROMPT).count(), 0, "the prompt is gone");
  await context.close();
});

test("the official SDK signs in, connects IMX, registers, is registered, and signs out", async () => {
  const context = await sdkContext(browser, passport);
  const tee = [];
  context.on("request", (r) => { if (r.url().startsWith("https://tee.express.magiclabs.com/") && r.method() === "POST") tee.push(new URL(r.url()).pathname); });
  const page = await context.newPage();
  const lines = [];
  page.on("console", (m) => lines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => lines.push(`pageerror: ${e.message}`));
  const failWith = (what) => (err) => { throw new Error(`${what}: ${err.message}\n${lines.join("\n")}\n${passport.logs.join("").slice(-3000)}`); };

  await page.goto(`${origin}/sdk/`);
  await page.locator("body[data-ready=true]").waitFor({ state: "attached", timeout: 20000 }).catch(failWith("the SDK page did not start"));

  // Sign in: the SDK's embedded prompt (the local Passport's page in its
  // iframe), email chosen there, then its popup on the local sign-in page.
  const email = newEmail("sdk");
  const issuerOrigin = new URL(passport.issuer).origin;
  const popupPromise = page.waitForEvent("popup");
  const login = page.evaluate(() => window.sdk.login());
  const prompt = page.frameLocator(PROMPT);
  await prompt.locator("#email").fill(email).catch(failWith("the embedded prompt did not show"));
  const promptUrl = new URL(await page.locator(PROMPT).getAttribute("src"));
  assert.equal(promptUrl.origin + promptUrl.pathname, `${issuerOrigin}/im-embedded-login-prompt`);
  assert.equal(promptUrl.searchParams.get("client_id"), "local-passport-app");
  await prompt.locator("#continue-email").click();
  const popup = await popupPromise;
  await popup.waitForURL((url) => url.pathname === "/authorize");
  const authorize = new URL(popup.url());
  assert.equal(authorize.origin, issuerOrigin, "the SDK builds its own /authorize URL, on https");
  assert.equal(authorize.pathname, "/authorize");
  assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
  assert.equal(authorize.searchParams.get("audience"), "platform_api");
  // What the prompt chose travels to /authorize as the SDK's direct login.
  assert.equal(authorize.searchParams.get("direct"), "email");
  assert.equal(authorize.searchParams.get("email"), email);
  assert.equal(authorize.searchParams.get("marketingConsent"), "unsubscribed");
  assert.match(authorize.searchParams.get("im_passport_trace_id") ?? "", /^[0-9a-f-]{32,36}$/);
  assert.equal(await popup.locator("#email").inputValue(), email, "the sign-in form has the address");
  await fillPassportForm(popup, { email, create: true });
  const user = await login.catch(failWith("login"));
  assert.equal(user.email, email);

  // A reload restores the session from the SDK's own storage.
  await page.reload();
  await page.locator("body[data-ready=true]").waitFor({ state: "attached" });
  assert.equal(await page.evaluate(() => window.sdk.restore()), email);

  // connectImx, then registerOffchain through TEE Express and the IMX API.
  await page.evaluate(() => window.sdk.connect()).catch(failWith("connectImx"));
  assert.equal(await page.evaluate(() => window.sdk.isRegistered()), false);
  const outcome = await page.evaluate(() => window.sdk.register());
  assert.deepEqual(outcome, { ok: true }, `registerOffchain failed: ${outcome.error}\n${lines.join("\n")}`);
  assert.equal(await page.evaluate(() => window.sdk.isRegistered()), true);
  const address = await page.evaluate(() => window.sdk.address());
  assert.match(address, /^0x[0-9a-fA-F]{40}$/);
  assert.ok(tee.includes("/v1/wallet") && tee.includes("/v1/wallet/sign/message"), `TEE Express was used: ${tee}`);

  // The local Passport recorded the SDK's registration as its own.
  const record = passport.users().find((u) => u.email === email);
  assert.equal(record.registered, true);
  assert.equal(record.imx.ether_key.toLowerCase(), address.toLowerCase());

  // Sign out: revocation, then the provider's logout back to the SDK page.
  const visited = [];
  page.on("requestfailed", (r) => visited.push(`failed ${new URL(r.url()).pathname}`));
  page.on("framenavigated", (frame) => { if (frame === page.mainFrame()) visited.push(frame.url()); });
  // Before logout nothing navigates, so the first load of /sdk/ is the return.
  const returned = page.waitForEvent("framenavigated", {
    predicate: (frame) => frame === page.mainFrame() && frame.url() === `${origin}/sdk/`, timeout: 20000,
  });
  const providerLogout = page.waitForRequest((r) => new URL(r.url()).pathname === "/v2/logout", { timeout: 20000 });
  const loggedOut = page.evaluate(() => window.sdk.logout().then(() => "ok", (e) => `${e.type} ${e.message}`))
    .catch(() => "navigated");
  const logoutUrl = new URL((await providerLogout.catch(async (err) => failWith(`no provider logout (${await loggedOut}; visited ${visited})`)(err))).url());
  assert.equal(logoutUrl.origin, issuerOrigin, "the SDK's https logout URL reaches the local Passport as it is");
  assert.equal(logoutUrl.searchParams.get("client_id"), "local-passport-app");
  assert.equal(logoutUrl.searchParams.get("returnTo"), `${origin}/sdk/`);
  await returned.catch(failWith(`logout did not return: ${visited}`));
  await page.locator("body[data-ready=true]").waitFor({ state: "attached", timeout: 20000 })
    .catch(failWith(`the SDK page did not start after logout: ${visited}`));
  assert.equal(await page.evaluate(() => window.sdk.restore()), null, "signed out");
  await context.close();
});
