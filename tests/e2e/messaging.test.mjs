// Hostile postMessage traffic against the real app, popup and wallet frame:
// messages from origins that are not the app's, requests the wallet must not
// serve, forged sign-in results. Nothing is signed, stored or answered.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { startApp, startPassport, startBrowser, newPage } from "./harness.mjs";
import { newEmail, signInWithPopup, fillPassportForm, storedUser, openSignInPopup } from "./flows.mjs";

let app, passport, browser, foreign;
before(async () => {
  app = await startApp();
  passport = await startPassport(app.port);
  app.setConfig(passport.config());
  browser = await startBrowser();
  // A page on an origin the wallet does not know, embedding the wallet frame.
  foreign = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html>
    <iframe id="wallet" src="${passport.wallet_origin}/frame"></iframe>
    <script>
      window.replies = [];
      addEventListener("message", (e) => window.replies.push(e.data));
    </script>`));
  await new Promise((ok) => foreign.listen(0, "127.0.0.1", ok));
});
after(async () => {
  await browser?.close(); passport?.cleanup(); await app?.stop();
  await new Promise((ok) => foreign?.close(ok));
});

const walletCalls = () => passport.logs.join("").split("\n").filter((l) => l.includes("/wallet/v1/")).length;

/** Posts `request` to the wallet frame inside `page` and collects replies for `ms`. */
async function askWallet(page, request, ms = 1000) {
  return page.evaluate(async ([req, wait, walletOrigin]) => {
    const frame = [...document.querySelectorAll("iframe")].find((f) => f.src.startsWith(walletOrigin));
    const replies = [];
    const listen = (e) => { if (e.origin === walletOrigin && e.data && e.data.id === req.id) replies.push(e.data); };
    addEventListener("message", listen);
    frame.contentWindow.postMessage(req, walletOrigin);
    await new Promise((ok) => setTimeout(ok, wait));
    removeEventListener("message", listen);
    return replies;
  }, [request, ms, passport.wallet_origin]);
}

/** A signed-in page with the wallet frame attached (registration screen shown). */
async function signedInWithWallet() {
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  const email = newEmail("messaging");
  await signInWithPopup(page, { email, create: true });
  await page.getByTestId("register").click();
  await page.getByTestId("imx-eth-address").waitFor({ timeout: 20000 });
  return page;
}

test("the wallet frame ignores requests from a page on an unregistered origin", async () => {
  const page = await newPage(browser);
  await page.goto(`http://127.0.0.1:${foreign.address().port}/`);
  await page.frameLocator("#wallet").locator("body").waitFor({ state: "attached" });
  const before = walletCalls();
  const replies = await askWallet(page, { type: "passport-wallet", id: "x1", method: "stark_key" });
  assert.deepEqual(replies, [], "no answer, not even an error");
  assert.deepEqual(await page.evaluate(() => window.replies.filter((r) => r && r.event !== "ready")), []);
  assert.equal(walletCalls(), before, "the wallet service was not called");
  await page.context().close();
});

test("the wallet frame answers an unknown method with method_not_found and ignores an oversized request", async () => {
  const page = await signedInWithWallet();
  const unknown = await askWallet(page, { type: "passport-wallet", id: "u1", method: "export_private_key" });
  assert.equal(unknown.length, 1);
  assert.equal(unknown[0].error.code, "method_not_found");
  assert.equal(unknown[0].result, undefined);
  const before = walletCalls();
  const big = await askWallet(page, {
    type: "passport-wallet", id: "big1", method: "personal_sign", params: { message: "x".repeat(100 * 1024) },
  });
  assert.deepEqual(big, [], "an oversized request gets no answer");
  assert.equal(walletCalls(), before, "and is not signed");
  // The frame still serves genuine requests afterwards.
  const key = await askWallet(page, { type: "passport-wallet", id: "k1", method: "stark_key" });
  assert.match(key[0].result.stark_key || JSON.stringify(key[0].result), /0x[0-9a-f]+/);
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
  assert.equal(await storedUser(page), null);
  const email = newEmail("forged");
  const closed = popup.waitForEvent("close");
  await fillPassportForm(popup, { email, create: true });
  await closed;
  await page.getByTestId("profile").waitFor();
  assert.equal((await storedUser(page)).user.profile.email, email);
  await page.context().close();
});
