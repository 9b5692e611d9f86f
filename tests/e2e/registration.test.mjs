// connect_imx, the wallet (TEE Express on the local Passport's wallet origin),
// the Stark worker and the registration screen, against the real local
// Passport (identity provider, IMX API and wallet service).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startApp, startPassport, startBrowser, newPage } from "./harness.mjs";
import { newEmail, signInWithPopup, storedUser, assertSignedOut, recordRequests } from "./flows.mjs";

let app, passport, browser;
before(async () => {
  app = await startApp();
  passport = await startPassport(app.port);
  app.setConfig(passport.config());
  browser = await startBrowser();
});
after(async () => { await browser?.close(); passport?.cleanup(); await app?.stop(); });

const setFaults = (faults) => passport.admin("POST", "faults", faults);
const setImxDown = (down) => setFaults({ imx_down: down });
const setWalletFault = (fault) => setFaults({ wallet: fault });

/** Every request to the wallet origin and for the worker's files, with the TEE headers. */
function recordWallet(page) {
  const seen = { tee: [], worker: [] };
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.origin === passport.wallet_origin && request.method() !== "OPTIONS") {
      seen.tee.push({ method: request.method(), path: url.pathname, headers: request.headers() });
    }
    if (url.pathname.includes("stark_worker")) seen.worker.push(url.pathname);
  });
  return seen;
}

/** Clicks Register and waits for the error; returns its text and the failed step. */
async function registerExpectingError(page) {
  await page.getByTestId("register").click();
  const error = page.getByTestId("registration-error");
  await error.waitFor({ timeout: 25000 }).catch(async () => {
    throw new Error("no error shown: " + (await page.locator("main").innerHTML()) + "\n" + page.consoleLines.join("\n"));
  });
  const failed = await page.locator("[data-testid=registration-steps] li[data-state=failed]").getAttribute("data-step");
  return { text: await error.innerText(), failed };
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

test("a new account registers, sees every step reach done, and the addresses appear", async () => {
  const page = await newPage(browser);
  const email = await signUp(page, "register");
  assert.equal(await page.getByTestId("imx-status").innerText(), "Not registered yet");
  // Record every state each step shows, as the DOM changes, not by sampling.
  // No iframe may appear at any point: the wallet is a service, not a frame.
  await page.evaluate(() => {
    window.stepLog = [];
    window.iframes = document.querySelectorAll("iframe").length;
    const record = () => {
      document.querySelectorAll("[data-testid=registration-steps] li")
        .forEach((li) => window.stepLog.push(`${li.dataset.step}:${li.dataset.state}`));
      window.iframes += document.querySelectorAll("iframe").length;
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  const wallet = recordWallet(page);
  await page.waitForTimeout(300);
  assert.deepEqual(wallet.worker, [], "the Stark worker is not loaded before registration starts");
  assert.deepEqual(wallet.tee, [], "and the wallet is not called");
  await page.getByTestId("register").click();
  await page.getByTestId("imx-eth-address").waitFor({ timeout: 20000 });
  const log = await page.evaluate(() => window.stepLog);
  assert.equal(await page.evaluate(() => window.iframes), 0, "no iframe at any point");
  // The wallet was reached as Immutable's SDK reaches TEE Express: the address,
  // the Stark seed signature, the registration message signature.
  assert.deepEqual(wallet.tee.map((r) => `${r.method} ${r.path}`),
    ["POST /v1/wallet", "POST /v1/wallet/sign/message", "POST /v1/wallet/sign/message"]);
  for (const { headers } of wallet.tee) {
    assert.equal(headers["x-magic-api-key"], "pk_live_10F423798A540ED7");
    assert.equal(headers["x-oidc-provider-id"], "aa80b860-8869-4f13-9000-6a6ad3d20017");
    assert.equal(headers["x-magic-chain"], "ETH");
    assert.match(headers.authorization, /^Bearer ey/);
  }
  assert.ok(wallet.worker.some((p) => p.endsWith("stark_worker_bg.wasm")), "the worker was loaded to register");
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
  const record = passport.users().find((u) => u.email === email);
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
  const email = await signUp(page, "imxdown");
  await setImxDown(true);
  try {
    await page.getByTestId("register").click();
    const error = page.getByTestId("registration-error");
    await error.waitFor({ timeout: 20000 }).catch(async () => {
      throw new Error("no error shown: " + (await page.locator("main").innerHTML()) + "\n" + page.consoleLines.join("\n"));
    });
    assert.match(await error.innerText(), /network connection/);
    assert.match(await error.innerText(), /USER_REGISTRATION_ERROR/);
    assert.equal(passport.users().find((u) => u.email === email).registered, false, "nothing half-registered");
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

test("with TEE Express down the wallet step fails as WALLET_CONNECTION_ERROR, and Try again completes", async () => {
  const page = await newPage(browser);
  const email = await signUp(page, "teedown");
  await setWalletFault("down");
  try {
    const { text, failed } = await registerExpectingError(page);
    assert.equal(failed, "ConnectingWallet");
    assert.match(text, /WALLET_CONNECTION_ERROR/);
    assert.match(text, /wallet service is unavailable/);
    assert.equal(await page.getByTestId("register").innerText(), "Try again");
  } finally {
    await setWalletFault(null);
  }
  assert.equal(passport.users().find((u) => u.email === email).registered, false, "nothing half-registered");
  await registerAndWait(page);
  await page.context().close();
});

test("a network failure mid-registration (the seed signature) fails cleanly, and Try again completes", async () => {
  const page = await newPage(browser);
  const email = await signUp(page, "teecut");
  // The wallet exists by now; the signature request is cut on the wire.
  await page.route(`${passport.wallet_origin}/v1/wallet/sign/message`, (route) => route.abort("connectionreset"));
  const { text, failed } = await registerExpectingError(page);
  assert.equal(failed, "ReadingKeys");
  assert.match(text, /WALLET_CONNECTION_ERROR/);
  assert.match(text, /could not be reached/);
  await page.unroute(`${passport.wallet_origin}/v1/wallet/sign/message`);
  assert.equal(passport.users().find((u) => u.email === email).registered, false, "nothing half-registered");
  await registerAndWait(page);
  await page.context().close();
});

test("a 401 from TEE Express refreshes the session once and retries; a second 401 is a clear wallet error", async () => {
  const page = await newPage(browser);
  await signUp(page, "tee401");
  const issuer = recordRequests(page, passport.issuer);
  await setWalletFault({ unauthorised: 2 });
  try {
    const { text, failed } = await registerExpectingError(page);
    assert.equal(failed, "ConnectingWallet");
    assert.match(text, /WALLET_CONNECTION_ERROR/);
    assert.match(text, /did not accept your session/);
    assert.equal(issuer.filter((r) => r === "POST /oauth/token").length, 1, "one refresh between the two tries");
  } finally {
    await setWalletFault(null);
  }
  // One 401 only: the refresh-and-retry hides it from the user.
  await setWalletFault({ unauthorised: 1 });
  await registerAndWait(page);
  assert.equal(await page.getByTestId("imx-status").innerText(), "Registered");
  await page.context().close();
});

test("a 422 from TEE Express shows its field and message, and Try again completes", async () => {
  const page = await newPage(browser);
  await signUp(page, "tee422");
  await setWalletFault({ invalid: 1 });
  const { text, failed } = await registerExpectingError(page);
  assert.equal(failed, "ConnectingWallet");
  assert.match(text, /message_base64: Value error/);
  assert.match(text, /HTTP 422/);
  await registerAndWait(page);
  await page.context().close();
});

test("a slow wallet keeps the step in progress and still completes", async () => {
  const page = await newPage(browser);
  await signUp(page, "teeslow");
  await setWalletFault({ slow: 700 });
  try {
    await page.getByTestId("register").click();
    const step = page.locator("li[data-step=ConnectingWallet]");
    await page.locator("li[data-step=ConnectingWallet][data-state='in progress']").waitFor({ timeout: 5000 });
    // While the wallet takes its time the step stays in progress and the
    // elapsed time moves on.
    await page.waitForTimeout(400);
    assert.equal(await step.getAttribute("data-state"), "in progress");
    const elapsed = await page.getByTestId("registration-elapsed").innerText();
    assert.match(elapsed, /\d+\.\d s/);
    assert.notEqual(elapsed.trim(), "· 0.0 s", "the elapsed time moves");
    await page.getByTestId("imx-eth-address").waitFor({ timeout: 20000 });
  } finally {
    await setWalletFault(null);
  }
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
  const before = passport.users().find((u) => u.email === email);
  assert.equal(before.registered, true, "IMX already recorded the submitted registration");
  // Registering again completes (IMX answers 409, which counts as success) without a duplicate.
  await registerAndWait(page);
  const after = passport.users().find((u) => u.email === email);
  assert.deepEqual(after.imx, before.imx, "the same single registration");
  assert.equal(await page.getByTestId("imx-eth-address").getAttribute("data-full"), before.imx.ether_key);
  await page.context().close();
});

test("a silent sign-out in the middle of registration leaves no registration run, worker or token behind", async () => {
  app.setConfig(passport.config({ logout_mode: "silent" }));
  const page = await newPage(browser);
  try {
    await signUp(page, "leave");
    await setWalletFault({ slow: 1500 });
    await page.getByTestId("register").click();
    // Let it reach the Stark worker and the wallet's second answer.
    await page.locator("li[data-step=ReadingKeys][data-state='in progress']").waitFor({ timeout: 10000 });
    const after = [];
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (r.method() !== "OPTIONS" && (url.origin === passport.wallet_origin || url.pathname.startsWith("/v1/") || url.pathname.startsWith("/v2/passport"))) {
        after.push(`${r.method()} ${url.pathname}`);
      }
    });
    await page.getByTestId("sign-out").click();
    await page.getByTestId("signed-out").waitFor();
    await assertSignedOut(page, "no token in storage");
    await page.waitForTimeout(4000);
    assert.deepEqual(after, [], "the run stopped: nothing more went to the wallet or IMX");
    assert.equal(page.workers().length, 0, "the Stark worker is gone");
    assert.equal(await page.getByTestId("profile").count(), 0);
  } finally {
    await setWalletFault(null);
    app.setConfig(passport.config());
    await page.context().close();
  }
});
