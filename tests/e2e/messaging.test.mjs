// Hostile cross-origin traffic against the real app, popup and wallet service:
// pages on origins that are not the app's calling the wallet, forged sign-in
// results. Nothing is signed, stored or answered.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { startApp, startPassport, startBrowser, newPage } from "./harness.mjs";
import { newEmail, signInWithPopup, fillPassportForm, storedUser, openSignInPopup, assertSignedOut } from "./flows.mjs";

let app, passport, browser, foreign;
before(async () => {
  app = await startApp();
  passport = await startPassport(app.port);
  app.setConfig(passport.config());
  browser = await startBrowser();
  // A page on an origin the wallet does not know.
  foreign = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><p>elsewhere</p>"));
  await new Promise((ok) => foreign.listen(0, "127.0.0.1", ok));
});
after(async () => {
  await browser?.close(); passport?.cleanup(); await app?.stop();
  await new Promise((ok) => foreign?.close(ok));
});

const walletCalls = () => passport.logs.join("").split("\n").filter((l) => l.includes("/v1/wallet") && !l.includes("OPTIONS")).length;

/** The wallet calls logged once every request sent so far is in the log: a
 *  marker request is answered after them, and its line follows theirs. */
async function walletCallsSettled() {
  const markers = () => passport.logs.join("").split("\n").filter((l) => l.includes("/health/ready")).length;
  const seen = markers();
  await fetch(`${passport.wallet_origin}/health/ready`);
  while (markers() === seen) await new Promise((ok) => setTimeout(ok, 20));
  return walletCalls();
}

/** Calls TEE Express's wallet endpoint from `page` with `token`, as the SDK does. */
const callWallet = (page, token) => page.evaluate(async ([tee, token]) => {
  try {
    const response = await fetch(`${tee}/v1/wallet`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json", Authorization: `Bearer ${token}`,
        "X-Magic-API-Key": "pk_live_10F423798A540ED7",
        "X-OIDC-Provider-ID": "aa80b860-8869-4f13-9000-6a6ad3d20017", "X-Magic-Chain": "ETH",
      },
    });
    return `answered ${response.status}`;
  } catch (err) {
    return `blocked: ${err.name}`;
  }
}, [passport.wallet_origin, token]);

test("a page on an unregistered origin cannot call the wallet service, even with a stolen ID token", async () => {
  // The user's real ID token, as if leaked to another site.
  const victim = await newPage(browser);
  await victim.goto(app.url("/"));
  await signInWithPopup(victim, { email: newEmail("stolen"), create: true });
  const idToken = (await storedUser(victim)).id_token;
  // From the app's own origin the same call goes through: the service is up
  // and the token is good.
  assert.equal(await callWallet(victim, idToken), "answered 200");
  await victim.context().close();

  const page = await newPage(browser);
  await page.goto(`http://127.0.0.1:${foreign.address().port}/`);
  const before = await walletCallsSettled();
  const outcome = await callWallet(page, idToken);
  assert.equal(outcome, "blocked: TypeError", "the browser refused the cross-origin call (CORS)");
  assert.equal(await walletCallsSettled(), before, "the wallet service never saw the request");
  await page.context().close();
});

test("a forged sign-in result from a foreign origin does not sign the user in; the real popup does", async () => {
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  const popup = await openSignInPopup(page);
  const state = new URL(popup.url()).searchParams.get("state");
  // A sandboxed frame (opaque origin) and the popup (on the Passport origin now)
  // both post a "success" for the pending state to the app.
  await page.evaluate((s) => {
    const frame = document.createElement("iframe");
    frame.sandbox = "allow-scripts";
    frame.srcdoc = `<script>parent.postMessage({type:"passport-login",state:${JSON.stringify(s)},error:null},"*")</script>`;
    document.body.append(frame);
  }, state);
  await popup.evaluate((s) => window.opener.postMessage({ type: "passport-login", state: s, error: null }, "*"), state);
  await page.waitForTimeout(500);
  assert.equal(await page.getByTestId("profile").count(), 0, "not signed in by a forged message");
  await assertSignedOut(page);
  const email = newEmail("forged");
  const closed = popup.waitForEvent("close");
  await fillPassportForm(popup, { email, create: true });
  await closed;
  await page.getByTestId("profile").waitFor();
  assert.equal((await storedUser(page)).profile.email, email);
  await page.context().close();
});
