// The local Passport driven through its admin API while the app runs, and
// the admin page in Chromium: an account created by the API signs in; an
// invalidated access token is mended by one silent refresh; an ended session
// shows as ended at the app's next call; the admin page lists, switches and logs.
// (The IMX API switched down and back is registration.test.mjs's, through the
// same API.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startApp, startPassport, startBrowser, newPage } from "./harness.mjs";
import { newEmail, signInWithPopup, PASSWORD } from "./flows.mjs";

let app, passport, browser;
before(async () => {
  app = await startApp();
  passport = await startPassport(app.port);
  app.setConfig(passport.config());
  browser = await startBrowser();
});
after(async () => { await browser?.close(); passport?.cleanup(); await app?.stop(); });

/** An account made by the admin API, signed in to the app in a fresh page. */
async function signedIn(prefix, shape) {
  const email = newEmail(prefix);
  const account = await passport.admin("POST", "accounts", { email, password: PASSWORD, shape });
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  await signInWithPopup(page, { email });
  return { page, email, account };
}

/** The token requests the page makes from now on, by grant. */
function tokenGrants(page) {
  const grants = [];
  page.on("request", (request) => {
    if (request.url().startsWith(passport.address) && new URL(request.url()).pathname === "/oauth/token") {
      grants.push(new URLSearchParams(request.postData() || "").get("grant_type"));
    }
  });
  return grants;
}

test("a zkEVM-only account created by the admin API signs in to the app", async () => {
  const { page, account } = await signedIn("api-zkevm", "zkevm");
  assert.equal(account.shape, "zkevm");
  await page.getByTestId("zkevm-eth-address").waitFor();
  assert.equal(await page.getByTestId("zkevm-eth-address").getAttribute("data-full"), account.zkevm.eth_address);
  assert.equal(await page.getByTestId("imx-status").innerText(), "Not registered yet");
  await page.context().close();
});

test("an access token invalidated by the admin API: the app's next call refreshes once, silently, and registers", async () => {
  const { page, email } = await signedIn("api-invalid", "new");
  await page.getByTestId("registration").waitFor();
  await passport.admin("POST", `accounts/${encodeURIComponent(email)}/invalidate-access`, {});
  const grants = tokenGrants(page);
  const seen = [];
  const origins = [passport.address.replace(/\/$/, ""), passport.wallet_origin];
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (origins.includes(url.origin) && response.request().method() !== "OPTIONS") seen.push(`${response.status()} ${url.pathname}`);
  });
  await page.getByTestId("register").click();
  await page.getByTestId("imx-status").filter({ hasText: /^Registered$/ }).waitFor({ timeout: 30000 }).catch(async () => {
    throw new Error("not registered: " + (await page.locator("main").innerHTML()) + "\n" + page.consoleLines.join("\n"));
  });
  // One 401 (the first call with the invalidated token), then a refresh
  // that succeeds and the call again; the usual refresh for the new claim
  // after registering; never a new sign-in.
  const refused = seen.filter((line) => line.startsWith("401 "));
  assert.equal(refused.length, 1, seen.join("\n"));
  const next = seen.slice(seen.indexOf(refused[0]) + 1);
  assert.equal(next[0], "200 /oauth/token", seen.join("\n"));
  assert.ok(seen.includes("201 /v2/passport/users"), seen.join("\n"));
  assert.ok(grants.every((grant) => grant === "refresh_token"), grants.join());
  assert.equal(await page.getByTestId("session-ended").count(), 0);
  await page.context().close();
});

test("a session ended by the admin API shows as ended at the app's next call", async () => {
  const { page, email } = await signedIn("api-ended", "new");
  await page.getByTestId("registration").waitFor();
  const ended = await passport.admin("DELETE", `accounts/${encodeURIComponent(email)}/sessions`);
  assert.equal(ended.ended, 1);
  await page.getByTestId("register").click();
  await page.getByTestId("session-ended").waitFor({ timeout: 20000 }).catch(async () => {
    throw new Error("no session-ended: " + (await page.locator("main").innerHTML()) + "\n" + page.consoleLines.join("\n"));
  });
  await page.context().close();
});

test("the admin page: the token once, the accounts, a fault switched, the request log; headings, labels and keyboard", async () => {
  const email = newEmail("page");
  await passport.admin("POST", "accounts", { email, password: PASSWORD, shape: "imx-zkevm" });
  const page = await newPage(browser);
  const violations = [];
  page.on("console", (msg) => { if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text()); });
  await page.goto(passport.url("__admin/"));
  // Keyboard only: Tab to the token field, type, Enter.
  for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement?.id)) !== "token"; i++) {
    await page.keyboard.press("Tab");
  }
  assert.equal(await page.evaluate(() => document.activeElement?.id), "token", "the token field is reached by Tab");
  await page.keyboard.type(passport.adminToken);
  await page.keyboard.press("Enter");
  await page.getByRole("status").filter({ hasText: "Connected." }).waitFor({ timeout: 10000 });
  const row = page.locator(`#accounts tbody tr[data-email="${email}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /imx-zkevm/);
  assert.match(await row.innerText(), /registered \(0x/);
  // No secret on it: the token is nowhere in the document.
  assert.equal((await page.content()).includes(passport.adminToken), false);
  // A fault switched on and off from the page.
  await page.getByLabel("IMX API down (503)").check();
  await page.getByRole("button", { name: "Apply fault switches" }).click();
  await page.getByRole("status").filter({ hasText: "Fault switches applied." }).waitFor();
  assert.equal((await passport.admin("GET", "faults")).imx_down, true);
  await page.getByLabel("IMX API down (503)").uncheck();
  await page.getByRole("button", { name: "Apply fault switches" }).click();
  for (let i = 0; i < 50 && (await passport.admin("GET", "faults")).imx_down; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await passport.admin("GET", "faults")).imx_down, false);
  // The log shows requests made elsewhere, with their outcome.
  await fetch(passport.url("userinfo"));
  await page.locator("#requests tbody tr", { hasText: "/userinfo" }).first().waitFor({ timeout: 10000 });
  assert.match(await page.locator("#requests tbody tr", { hasText: "/userinfo" }).first().innerText(), /401/);
  // The decoded tokens of an account, from its row's button.
  await row.getByRole("button", { name: `Tokens of ${email}`, exact: true }).click();
  await page.getByRole("status").filter({ hasText: "Last tokens" }).waitFor();
  // Accessibility by hand (no axe-core offline): one h1, a heading per
  // section, every field labelled, every control a button, no CSP violation.
  assert.equal(await page.locator("h1").count(), 1);
  assert.ok((await page.locator("section").count()) <= (await page.locator("section h2").count()));
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input, select")].filter((el) => el.labels.length === 0).map((el) => el.id));
  assert.deepEqual(unlabelled, []);
  const clickableDivs = await page.evaluate(() => document.querySelectorAll("div[onclick], span[onclick], [role=button]:not(button)").length);
  assert.equal(clickableDivs, 0);
  assert.deepEqual(violations, []);
  await page.context().close();
});
