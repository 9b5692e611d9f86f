// The test of the local Passport's fidelity: the official @imtbl/passport
// 2.14.0, unchanged (bundled from npm), signs in, connects IMX, registers
// off-chain, sees itself registered and signs out against the local Passport.
// It is pointed there with its own `overrides` (authentication domain, IMX
// API); the TEE Express host it hard-codes, and the production IMX API it asks
// about existing Stark keys for a few accounts, are routed to the local
// Passport by Playwright. Immutable's metrics host is refused, as offline.
// If the SDK cannot do this, the local Passport is not the real contract.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startBrowser } from "./harness.mjs";
import { newEmail, fillPassportForm } from "./flows.mjs";
import { startSdkSite, sdkContext } from "./sdk/site.mjs";

let site, passport, browser, origin;

before(async () => {
  site = await startSdkSite();
  ({ passport, origin } = site);
  browser = await startBrowser();
});
after(async () => {
  await browser?.close();
  await site?.stop();
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

  // Sign in by popup, on the local Passport's own sign-in page.
  const email = newEmail("sdk");
  const popupPromise = page.waitForEvent("popup");
  const login = page.evaluate(() => window.sdk.login());
  const popup = await popupPromise;
  await popup.waitForURL((url) => url.pathname === "/authorize");
  const authorize = new URL(popup.url());
  assert.equal(authorize.pathname, "/authorize", "the SDK builds its own /authorize URL");
  assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
  assert.equal(authorize.searchParams.get("audience"), "platform_api");
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
  assert.equal(logoutUrl.searchParams.get("client_id"), "local-passport-app");
  assert.equal(logoutUrl.searchParams.get("returnTo"), `${origin}/sdk/`);
  await returned.catch(failWith(`logout did not return: ${visited}`));
  await page.locator("body[data-ready=true]").waitFor({ state: "attached", timeout: 20000 })
    .catch(failWith(`the SDK page did not start after logout: ${visited}`));
  assert.equal(await page.evaluate(() => window.sdk.restore()), null, "signed out");
  await context.close();
});
