// Login CSRF, in a real browser across sites: a page on another site
// (`localhost` here, the Passport on `127.0.0.1`) auto-posts the attacker's
// credentials to the sign-in form. The local Passport must refuse it, so the
// victim's next sign-in does not silently land in the attacker's account.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { startApp, startPassport, startBrowser, newPage } from "./harness.mjs";
import { newEmail, signInWithPopup, openSignInPopup, PASSWORD, createAccount } from "./flows.mjs";

let app, passport, browser, evil;
const attacker = newEmail("attacker");

before(async () => {
  app = await startApp();
  passport = await startPassport(app.port);
  app.setConfig(passport.config());
  browser = await startBrowser();
  // The attacker's own account, made through the real form.
  await createAccount(browser, app.url("/"), attacker);

  const authorize = new URL(passport.url("authorize"));
  const fields = {
    response_type: "code", client_id: "local-passport-app", redirect_uri: app.url("/redirect"),
    scope: "openid offline_access email transact", state: "forged", nonce: "n",
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256",
    audience: "platform_api", mode: "signin", email: attacker, password: PASSWORD,
  };
  const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`).join("");
  evil = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(
    `<!doctype html><form id="f" method="post" action="${authorize}">${inputs}</form><script>f.submit()</script>`));
  await new Promise((ok) => evil.listen(0, "127.0.0.1", ok));
});
after(async () => {
  await browser?.close(); passport?.cleanup(); await app?.stop();
  await new Promise((ok) => evil?.close(ok));
});

test("a sign-in form auto-posted from another site is refused, and the victim's sign-in shows the form", async () => {
  const page = await newPage(browser);
  // The attacker's page, on another site than the Passport's.
  await page.goto(`http://localhost:${evil.address().port}/`);
  await page.waitForURL((url) => url.pathname === "/authorize", { waitUntil: "load" });
  const text = await page.locator("body").innerText();
  assert.match(text, /not opened on this Passport/, "the forged post gets the refusal page");
  const cookies = await page.context().cookies(passport.url(""));
  assert.equal(cookies.find((c) => c.name === "lp_session"), undefined, "no session was started");

  // The victim now signs in to the app: the popup asks who they are, it does
  // not finish by itself as the attacker.
  await page.goto(app.url("/"));
  const popup = await openSignInPopup(page);
  assert.equal(await popup.locator("#email").inputValue(), "", "an empty sign-in form, not the attacker's session");
  await popup.close();
  await page.context().close();
});
