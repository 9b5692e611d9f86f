// The client crate from an app outside the workspace (examples/outside-app),
// built by its own Trunk.toml and index.html as the crate's documentation
// tells an outside developer: sign-in, restore, registration with IMX.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { startApp, startPassport, startBrowser, newPage, ROOT } from "./harness.mjs";
import { newEmail, openSignInPopup, fillPassportForm, recordRequests } from "./flows.mjs";

const DIST = process.env.OUTSIDE_APP_DIST || join(ROOT, "examples/outside-app/dist");

let app, passport, browser;
before(async () => {
  if (!existsSync(join(DIST, "index.html"))) {
    throw new Error(`${DIST} is missing: run \`trunk build --release\` in examples/outside-app`);
  }
  app = await startApp({ dist: DIST });
  passport = await startPassport(app.port);
  app.setConfig(passport.config());
  browser = await startBrowser();
});
after(async () => { await browser?.close(); passport?.cleanup(); await app?.stop(); });

test("an outside app signs in, restores on reload and registers with IMX", async () => {
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  const popup = await openSignInPopup(page);
  const email = newEmail("outside");
  const closed = popup.waitForEvent("close");
  await fillPassportForm(popup, { email, create: true });
  await closed;
  await page.getByTestId("outside-email").waitFor();
  assert.equal(await page.getByTestId("outside-email").innerText(), email);

  const requests = recordRequests(page, passport.issuer);
  await page.reload();
  await page.getByTestId("outside-email").waitFor();
  assert.deepEqual(requests, [], "restored with no request");

  const worker = [];
  page.on("request", (r) => { if (r.url().includes("stark_worker")) worker.push(new URL(r.url()).pathname); });
  await page.getByTestId("register").click();
  await page.getByTestId("outside-address").waitFor({ timeout: 25000 }).catch(async (err) => {
    throw new Error(`${err.message}\n${await page.locator("body").innerText()}\n${page.consoleLines.join("\n")}`);
  });
  assert.match(await page.getByTestId("outside-address").innerText(), /^0x[0-9a-f]{40}$/i);
  assert.ok(worker.includes("/stark_worker_bg.wasm"), `the worker came from the app's own bundle: ${worker}`);
  const [account] = passport.users().filter((u) => u.email === email);
  assert.equal(account.registered, true);
  await page.context().close();
});
