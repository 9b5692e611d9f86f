// The sandbox and production presets, proven offline. The release bundle runs
// with a config.json of only `environment` and `client_id`, so every URL,
// audience and header comes from the preset. Playwright sends the requests
// for the hosts the presets name (Immutable's identity provider and IMX API,
// Magic's TEE Express) to the local Passport, which announces
// https://auth.immutable.com/ as its issuer; the browser sees the real URLs.
// Any request to another host fails the test, so does any CSP violation: the
// app is served with the deploy samples' Content-Security-Policy for the
// preset, so the documented connect-src is exactly what the app needs.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startApp, startPassport, startBrowser, routeHosts, ROOT } from "./harness.mjs";
import { newEmail, signInWithPopup, storedUser, assertSignedOut } from "./flows.mjs";

const AUTH = "https://auth.immutable.com";
const TEE = "https://tee.express.magiclabs.com";
const PRESETS = {
  production: { imx: "https://api.x.immutable.com" },
  sandbox: { imx: "https://api.sandbox.x.immutable.com" },
};

/** The sample's policy (deploy/nginx), with the preset's IMX API for the sandbox. */
function samplePolicy(imx) {
  const conf = readFileSync(join(ROOT, "deploy/nginx/passport-app.conf"), "utf8");
  const policy = /add_header Content-Security-Policy "([^"]+)"/.exec(conf)[1];
  assert.ok(policy.includes("https://api.x.immutable.com"), "the sample names the production IMX API");
  return policy.replace("https://api.x.immutable.com", imx);
}

let browser;
before(async () => { browser = await startBrowser(); });
after(async () => { await browser?.close(); });

for (const [environment, { imx }] of Object.entries(PRESETS)) {
  describe(`the ${environment} preset`, () => {
    let app, passport;
    const policy = samplePolicy(imx);
    before(async () => {
      app = await startApp({ headers: { "content-security-policy": policy } });
      passport = await startPassport(app.port, ["--issuer", `${AUTH}/`]);
      app.setConfig({ environment, client_id: "local-passport-app" });
    });
    after(async () => { passport?.cleanup(); await app?.stop(); });

    test("signs in by popup, restores on reload, registers with IMX and signs out, with no CSP violation", async () => {
      const context = await browser.newContext();
      await routeHosts(context, { [AUTH]: passport.address, [imx]: passport.address, [TEE]: passport.wallet_origin });
      // Anything else off this machine is a host the preset should not name.
      const strays = [];
      await context.route((url) => !["127.0.0.1", "localhost"].includes(url.hostname)
        && ![AUTH, imx, TEE].includes(url.origin), (route) => {
        strays.push(route.request().url());
        return route.abort("addressunreachable");
      });
      const violations = [];
      context.on("console", (msg) => { if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text()); });
      await context.exposeBinding("reportViolation", (_source, text) => violations.push(text));
      await context.addInitScript(() => document.addEventListener("securitypolicyviolation",
        (e) => window.reportViolation(`${e.violatedDirective} blocked ${e.blockedURI}`)));
      const hosts = new Set();
      context.on("request", (r) => hosts.add(new URL(r.url()).origin));
      const page = await context.newPage();
      const lines = [];
      page.on("console", (m) => lines.push(`${m.type()}: ${m.text()}`));

      const response = await page.goto(app.url("/"));
      assert.equal(response.headers()["content-security-policy"], policy);

      // Sign in: the popup is on the real authority's URL, with the preset's audience.
      const email = newEmail(environment);
      const authorize = page.waitForEvent("popup").then(async (popup) => {
        await popup.waitForURL((url) => url.pathname === "/authorize");
        return new URL(popup.url());
      });
      await signInWithPopup(page, { email, create: true });
      const url = await authorize;
      assert.equal(url.origin, AUTH);
      assert.equal(url.searchParams.get("audience"), "platform_api");
      assert.equal(url.searchParams.get("client_id"), "local-passport-app");
      assert.equal(url.searchParams.get("redirect_uri"), app.url("/redirect"));
      const user = await storedUser(page);
      assert.equal(user.profile.email, email);

      // Reload: restored from storage, no popup, no request to the provider.
      let popups = 0;
      page.on("popup", () => { popups += 1; });
      const before = hosts.size;
      hosts.clear();
      await page.reload();
      await page.getByTestId("profile").waitFor();
      assert.equal(popups, 0);
      assert.ok(![...hosts].includes(AUTH), `no request to the provider on restore: ${[...hosts]}`);
      assert.ok(before > 0);

      // Registration: TEE Express and the IMX API at the preset's hosts.
      hosts.clear();
      await page.getByTestId("register").click();
      await page.getByTestId("imx-eth-address").waitFor({ timeout: 20000 }).catch(async (err) => {
        const error = await page.getByTestId("registration-error").innerText().catch(() => "");
        throw new Error(`${err.message}\n${error}\n${lines.join("\n")}\nstrays: ${strays}`);
      });
      assert.ok(hosts.has(TEE) && hosts.has(imx), `registration used the preset's hosts: ${[...hosts]}`);

      // Sign out: revocation, then the provider's logout returns to the app.
      const returned = page.waitForEvent("framenavigated", {
        predicate: (frame) => frame === page.mainFrame() && frame.url() === app.url("/"), timeout: 20000,
      });
      const revoked = page.waitForRequest(`${AUTH}/oauth/revoke`);
      const logout = page.waitForRequest((r) => r.url().startsWith(`${AUTH}/v2/logout?`));
      await page.getByTestId("sign-out").click();
      await revoked;
      const logoutUrl = new URL((await logout).url());
      assert.equal(logoutUrl.searchParams.get("returnTo"), app.url("/"));
      await returned;
      await page.getByTestId("sign-in").waitFor({ timeout: 20000 });
      await assertSignedOut(page);

      assert.deepEqual(strays, [], "no request to a host the preset does not name");
      assert.deepEqual(violations, [], "the sample's CSP allows exactly what the app does");
      await context.close();
    });
  });
}
