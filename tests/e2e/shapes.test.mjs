// Every kind of account real Passport has, end to end: sign-in, restore,
// refresh, registration with IMX and sign-out, table-driven over the shapes
// of the `passport` claim (@imtbl/passport 2.14: packages/auth/src/types.ts
// PassportMetadata; utils/imxUser.ts toUserImx). The local Passport's
// default (a new account) is one row.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startApp, startPassport, startBrowser, newPage, ROOT } from "./harness.mjs";
import { newEmail, signInWithPopup, storedUser, recordRequests, assertSignedOut, PASSWORD, openSignInPopup, fillPassportForm } from "./flows.mjs";

const LOCAL_PASSPORT = process.env.LOCAL_PASSPORT_BIN || join(ROOT, "target/debug/local-passport");

let app, passport, browser;
before(async () => {
  app = await startApp();
  // Access tokens that count as expired after a couple of seconds (30 s margin):
  // a reload then refreshes.
  passport = await startPassport(app.port, ["--access-token-ttl", "32"]);
  app.setConfig(passport.config());
  browser = await startBrowser();
});
after(async () => { await browser?.close(); passport?.cleanup(); await app?.stop(); });

/** `local-passport users add`: the account, as the CLI prints it. */
function addAccount(email, shape) {
  const out = execFileSync(LOCAL_PASSPORT, [
    "users", "add", "--email", email, "--password", PASSWORD, "--shape", shape, "--data-dir", passport.dataDir,
  ], { env: { ...process.env, RUST_BACKTRACE: "0" } });
  return JSON.parse(out.toString());
}

const SHAPES = [
  // [shape, registered with IMX, has a zkEVM wallet]
  ["new", false, false],
  ["zkevm", false, true],
  ["imx-zkevm", true, true],
  ["imx", true, false],
];

async function expectProfile(page, { registered, zkevm, account }) {
  await page.getByTestId("profile").waitFor();
  assert.equal(await page.getByTestId("imx-status").innerText(), registered ? "Registered" : "Not registered yet");
  assert.equal(await page.getByTestId("zkevm-eth-address").count(), zkevm ? 1 : 0);
  if (zkevm) {
    assert.equal(await page.getByTestId("zkevm-eth-address").getAttribute("data-full"), account.zkevm.eth_address);
  }
  if (registered) {
    assert.equal((await page.getByTestId("imx-eth-address").getAttribute("data-full")).toLowerCase(), account.passport.imx_eth_address.toLowerCase());
  } else {
    assert.equal(await page.getByTestId("imx-eth-address").count(), 0);
  }
}

for (const [shape, registered, zkevm] of SHAPES) {
  describe(`an account of shape ${shape}`, () => {
    test("signs in, restores, refreshes, registers if it needs to, and signs out", async () => {
      const email = newEmail(`shape-${shape}`);
      const account = addAccount(email, shape);
      assert.equal(account.shape, shape);

      const page = await newPage(browser);
      await page.goto(app.url("/"));
      await signInWithPopup(page, { email });
      await expectProfile(page, { registered, zkevm, account });
      const stored = await storedUser(page);
      assert.deepEqual(stored.profile.passport ?? null, shape === "new" ? null : account.passport, "the claim as minted");

      // Reload: the access token now counts as expired, so the session is
      // refreshed without any window, and the account keeps its shape.
      await page.waitForTimeout(2500);
      const popups = [];
      page.on("popup", (p) => popups.push(p));
      const requests = recordRequests(page, passport.issuer);
      await page.reload();
      await expectProfile(page, { registered, zkevm, account });
      assert.ok(requests.includes("POST /oauth/token"), "refreshed");
      assert.equal(popups.length, 0);

      if (!registered) {
        await page.getByTestId("register").click();
        await page.getByTestId("imx-eth-address").waitFor({ timeout: 25000 });
        const after = { ...account, passport: (await storedUser(page)).profile.passport };
        await expectProfile(page, { registered: true, zkevm, account: after });
        if (zkevm) {
          // The zkEVM part stays, and IMX registered the wallet the claim named.
          assert.equal(after.passport.zkevm_eth_address, account.zkevm.eth_address);
          assert.equal(after.passport.imx_eth_address.toLowerCase(), account.wallet_address.toLowerCase());
        }
      } else {
        assert.equal(await page.getByTestId("register").count(), 0, "nothing to register");
      }

      // Sign-out ends at the provider's logout, which sends the browser back.
      const back = page.waitForEvent("framenavigated", {
        predicate: (frame) => frame === page.mainFrame() && frame.url() === app.url("/"),
      });
      await page.getByTestId("sign-out").click();
      await back;
      await page.getByTestId("signed-out").waitFor();
      await assertSignedOut(page);
      await page.context().close();
    });
  });
}

test("the sign-up page's local-only control creates a zkEVM account", async () => {
  const page = await newPage(browser);
  await page.goto(app.url("/"));
  const popup = await openSignInPopup(page);
  await popup.locator("#switch-mode").click();
  await popup.locator("h1", { hasText: "Create your account" }).waitFor();
  await popup.locator("#shape").selectOption("zkevm");
  const email = newEmail("form-zkevm");
  const closed = popup.waitForEvent("close");
  await fillPassportForm(popup, { email });
  await closed;
  await page.getByTestId("profile").waitFor();
  assert.equal(await page.getByTestId("imx-status").innerText(), "Not registered yet");
  await page.getByTestId("zkevm-eth-address").waitFor();
  await page.context().close();
});
