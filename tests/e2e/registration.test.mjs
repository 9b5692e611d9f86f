// connect_imx, the wallet frame and the registration screen, against the real
// local Passport (identity provider, IMX API and wallet origin).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startApp, startPassport, startBrowser, newPage, ROOT } from "./harness.mjs";
import { newEmail, signInWithPopup } from "./flows.mjs";

let app, passport, browser;
before(async () => {
  app = await startApp();
  passport = await startPassport(app.port, ["--enable-fault-switches"]);
  app.setConfig(passport.config());
  browser = await startBrowser();
});
after(async () => { await browser?.close(); passport?.cleanup(); await app?.stop(); });

async function setImxDown(down) {
  const response = await fetch(passport.url("__admin/faults"), {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ imx_down: down }),
  });
  assert.equal(response.status, 200);
}

async function signUp(page, prefix) {
  await page.goto(app.url("/"));
  const email = newEmail(prefix);
  await signInWithPopup(page, { email, create: true });
  await page.getByTestId("registration").waitFor();
  return email;
}

async function registerAndWait(page) {
  await page.getByTestId("register").click();
  await page.getByTestId("imx-eth-address").waitFor({ timeout: 20000 }).catch(async (err) => {
    const status = await page.getByTestId("registration-status").innerText().catch(() => "");
    const error = await page.getByTestId("registration-error").innerText().catch(() => "");
    throw new Error(`${err.message}\nstatus: ${status}\nerror: ${error}\nconsole: ${page.consoleLines.join("\n")}`);
  });
}

function localPassportUsers() {
  const bin = process.env.LOCAL_PASSPORT_BIN || join(ROOT, "target/debug/local-passport");
  return JSON.parse(execFileSync(bin, ["users", "--data-dir", passport.dataDir]).toString());
}

test("a new account registers, sees every step reach done, and the addresses appear", async () => {
  const page = await newPage(browser);
  const email = await signUp(page, "register");
  assert.equal(await page.getByTestId("imx-status").innerText(), "Not registered yet");
  // Record every state each step shows, as the DOM changes, not by sampling.
  await page.evaluate(() => {
    window.stepLog = [];
    const record = () => document.querySelectorAll("[data-testid=registration-steps] li")
      .forEach((li) => window.stepLog.push(`${li.dataset.step}:${li.dataset.state}`));
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.getByTestId("register").click();
  await page.getByTestId("imx-eth-address").waitFor({ timeout: 20000 });
  const log = await page.evaluate(() => window.stepLog);
  for (const step of ["ConnectingWallet", "ReadingKeys", "RequestingPayload", "Signing", "Submitting", "Confirming", "Done"]) {
    assert.ok(log.includes(`${step}:done`), `${step} reached done; saw ${[...new Set(log)].join(", ")}`);
  }
  assert.ok(log.includes("Submitting:in progress"), "steps were shown in progress as they ran");
  assert.equal(await page.getByTestId("registration").count(), 0, "the registration screen is gone");
  assert.equal(await page.getByTestId("imx-status").innerText(), "Registered");
  const ethAddress = await page.getByTestId("imx-eth-address").getAttribute("data-full");
  const starkKey = await page.getByTestId("imx-stark-key").getAttribute("data-full");
  assert.match(ethAddress, /^0x[0-9a-f]{40}$/);
  assert.match(starkKey, /^0x[0-9a-f]{64}$/);

  // What the local Passport recorded is what the wallet holds and the app shows.
  const record = localPassportUsers().find((u) => u.email === email);
  assert.equal(record.registered, true);
  assert.equal(record.imx.ether_key, ethAddress);
  assert.equal(record.imx.stark_key, starkKey);
  const accounts = await (await fetch(passport.url(`v1/users/${ethAddress}`))).json();
  assert.deepEqual(accounts.accounts, [starkKey]);

  // A reload shows the registered profile, no registration screen.
  await page.reload();
  await page.getByTestId("imx-eth-address").waitFor();
  assert.equal(await page.getByTestId("registration").count(), 0);
  await page.context().close();
});

test("an already-registered account goes straight to the profile", async () => {
  const first = await newPage(browser);
  const email = await signUp(first, "already");
  await registerAndWait(first);
  await first.context().close();

  const page = await newPage(browser);
  let sawRegistration = false;
  page.on("console", () => {});
  await page.goto(app.url("/"));
  const popupPromise = page.waitForEvent("popup");
  await page.getByTestId("sign-in").click();
  const popup = await popupPromise;
  await popup.locator("#email").fill(email);
  await popup.locator("#password").fill("correct horse battery");
  await popup.locator("#submit").click();
  await page.getByTestId("profile").waitFor();
  sawRegistration = (await page.getByTestId("registration").count()) > 0;
  assert.equal(sawRegistration, false);
  assert.equal(await page.getByTestId("imx-status").innerText(), "Registered");
  await page.context().close();
});

test("with the IMX API down the failed step and advice show, and Try again completes", async () => {
  const page = await newPage(browser);
  await signUp(page, "imxdown");
  await setImxDown(true);
  try {
    await page.getByTestId("register").click();
    const error = page.getByTestId("registration-error");
    await error.waitFor({ timeout: 20000 }).catch(async () => {
      throw new Error("no error shown: " + (await page.locator("main").innerHTML()) + "\n" + page.consoleLines.join("\n"));
    });
    assert.match(await error.innerText(), /network connection/);
    assert.match(await error.innerText(), /USER_REGISTRATION_ERROR/);
    const failedStep = page.locator("[data-testid=registration-steps] li[data-state=failed]");
    await failedStep.waitFor({ timeout: 5000 }).catch(async () => {
      throw new Error("no failed step in: " + (await page.locator("main").innerHTML()));
    });
    const failed = await failedStep.getAttribute("data-step");
    assert.equal(failed, "RequestingPayload");
    assert.equal(await page.getByTestId("register").innerText(), "Try again");
  } finally {
    await setImxDown(false);
  }
  await registerAndWait(page);
  assert.equal(await page.getByTestId("imx-status").innerText(), "Registered");
  await page.context().close();
});

test("a wallet frame removed by a script is re-created and registration still succeeds", async () => {
  const page = await newPage(browser);
  await signUp(page, "removed");
  const frame = page.locator("iframe[data-passport-wallet]");
  await frame.waitFor({ state: "attached" });
  assert.equal(new URL(await frame.getAttribute("src")).origin, passport.wallet_origin, "the frame is on the wallet origin");
  await page.evaluate(() => document.querySelector("iframe[data-passport-wallet]").remove());
  assert.equal(await frame.count(), 0);
  await registerAndWait(page);
  assert.equal(await page.locator("iframe[data-passport-wallet]").count(), 1, "a new frame was appended");
  await page.context().close();
});

test("fake wallet replies from other origins change nothing", async () => {
  const page = await newPage(browser);
  const email = await signUp(page, "spoof");
  // Another origin (an opaque data: frame) and the app's own window both spam
  // look-alike wallet messages while the real registration runs.
  await page.evaluate(() => {
    const fake = (id) => ({ type: "passport-wallet", id, result: { address: "0x000000000000000000000000000000000000dead", stark_key: "0x01", signature: "0x00" } });
    const frame = document.createElement("iframe");
    frame.src = "data:text/html,<script>setInterval(()=>{for(let i=0;i<5;i++){parent.postMessage({type:'passport-wallet',event:'ready'},'*');parent.postMessage({type:'passport-wallet',id:i+'-0',result:{address:'0x000000000000000000000000000000000000dead'}},'*')}},5)</script>";
    document.body.appendChild(frame);
    window.__spoof = setInterval(() => { for (let i = 0; i < 5; i++) window.postMessage(fake(`${i}-0`), "*"); }, 5);
  });
  await registerAndWait(page);
  const address = await page.getByTestId("imx-eth-address").getAttribute("data-full");
  assert.notEqual(address, "0x000000000000000000000000000000000000dead");
  const record = localPassportUsers().find((u) => u.email === email);
  assert.equal(record.imx.ether_key, address, "the real wallet's address was registered");
  await page.context().close();
});

test("a reload in the middle of registration shows the session's truth, and finishing it registers once", async () => {
  const page = await newPage(browser);
  const email = await signUp(page, "midway");
  // Fail the confirming refreshes (as if offline) so the registration is submitted but not confirmed.
  await page.route(`${passport.issuer}oauth/token`, (route) => route.abort("internetdisconnected"));
  await page.getByTestId("register").click();
  await page.locator("li[data-step=Confirming][data-state='in progress']").waitFor({ timeout: 20000 });
  // Reload while refreshes still fail, so no refresh of the old page slips through.
  await page.reload();
  // The stored session carries no passport claim yet: the screen says so, with no stale progress.
  await page.getByTestId("registration").waitFor();
  await page.unroute(`${passport.issuer}oauth/token`);
  assert.equal(await page.getByTestId("imx-status").innerText(), "Not registered yet");
  assert.equal(await page.locator("[data-testid=registration-steps] li[data-state=done]").count(), 0);
  const before = localPassportUsers().find((u) => u.email === email);
  assert.equal(before.registered, true, "IMX already recorded the submitted registration");
  // Registering again completes (IMX answers 409, which counts as success) without a duplicate.
  await registerAndWait(page);
  const after = localPassportUsers().find((u) => u.email === email);
  assert.deepEqual(after.imx, before.imx, "the same single registration");
  assert.equal(await page.getByTestId("imx-eth-address").getAttribute("data-full"), before.imx.ether_key);
  await page.context().close();
});
