// The app shell: it loads from the release bundle, routes deep links, and
// explains a broken config.json instead of showing a blank page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startApp, startPassport, startBrowser, newPage } from "./harness.mjs";

let app, passport, browser;

before(async () => {
  app = await startApp();
  passport = await startPassport(app.port);
  browser = await startBrowser();
});
after(async () => {
  await browser?.close();
  passport?.cleanup();
  await app?.stop();
});

test("home page shows the shell with header and main area", async () => {
  app.setConfig(passport.config());
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  await page.getByTestId("signed-out").waitFor();
  assert.match(await page.locator("header").innerText(), /Passport for IMX/);
  assert.equal(await page.locator("main#main").count(), 1);
  assert.deepEqual(page.consoleLines.filter((l) => l.startsWith("pageerror")), []);
  await page.context().close();
});

test("a deep link to /redirect loads the callback page, not a 404", async () => {
  app.setConfig(passport.config());
  const page = await newPage(browser);
  const response = await page.goto(app.url("/redirect"));
  assert.equal(response.status(), 200);
  // With no sign-in in progress the callback page explains itself; it is not the 404 page.
  await page.getByTestId("callback-error").waitFor();
  assert.equal(await page.getByTestId("not-found").count(), 0);
  await page.context().close();
});

test("an unknown path shows the not-found page with a way home", async () => {
  app.setConfig(passport.config());
  const page = await newPage(browser);
  await page.goto(app.url("/no/such/page"));
  await page.getByTestId("not-found").waitFor();
  await page.getByRole("link", { name: "Back to the home page" }).click();
  await page.getByTestId("signed-out").waitFor();
  await page.context().close();
});

test("a missing config.json gives an error page naming the file", async () => {
  app.setConfig(null);
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  const error = page.getByTestId("config-error");
  await error.waitFor();
  const text = await error.innerText();
  assert.match(text, /config\.json/);
  assert.match(text, /HTTP 404/);
  await page.context().close();
});

test("a malformed config.json names the offending field", async () => {
  app.setConfig({ environment: "staging" });
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  await page.getByTestId("config-error").waitFor();
  assert.equal(await page.getByTestId("config-error-field").innerText(), "environment");
  assert.match(await page.getByTestId("config-error").innerText(), /unknown variant `staging`/);

  await page.context().close();

  // A first visit again: a browser that has the app installed keeps the
  // config.json it was served until the service worker offers the new one
  // (service-worker.test.mjs).
  app.setConfig("{ not json");
  const again = await newPage(browser);
  await again.goto(app.url("/"));
  await again.getByTestId("config-error").waitFor();
  assert.match(await again.getByTestId("config-error").innerText(), /not valid JSON/);
  await again.context().close();
});

test("production without a client id is INVALID_CONFIGURATION naming client_id", async () => {
  app.setConfig({ environment: "production" });
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  await page.getByTestId("config-error").waitFor();
  assert.equal(await page.getByTestId("config-error-field").innerText(), "client_id");
  assert.match(await page.getByTestId("config-error").innerText(), /INVALID_CONFIGURATION/);
  await page.context().close();
});
