// The deployed app: the release bundle built for a sub-path
// (`trunk build --release --public-url /passport/`) served by a real nginx
// running deploy/nginx/passport-app.conf with its Content-Security-Policy.
// Sign-in, reload-restore and registration must work there, and the browser
// must report no CSP violation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { request } from "node:http";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPassport, startBrowser, startNginx, freePort, ROOT } from "./harness.mjs";
import { newEmail, signInWithPopup, storedUser, recordRequests } from "./flows.mjs";

const BASE = "/passport/";
const BUNDLE = process.env.SUBPATH_DIST || join(ROOT, "target/dist-subpath");

let dir, nginx, passport, browser, origin, wwwBundle;

/** The sample config with only the host-specific values swapped; fails if the sample drifted. */
function siteConfig(port, wwwRoot, passport) {
  let conf = readFileSync(join(ROOT, "deploy/nginx/passport-app.conf"), "utf8");
  const swap = (from, to) => {
    assert.ok(conf.includes(from), `the nginx sample contains ${from}`);
    conf = conf.replaceAll(from, to);
  };
  swap("listen 80;", `listen 127.0.0.1:${port};`);
  swap("root /var/www/example.com;", `root ${wwwRoot};`);
  const issuer = new URL(passport.issuer).origin;
  swap("connect-src 'self' https://auth.immutable.com https://api.x.immutable.com https://tee.express.magiclabs.com;",
    `connect-src 'self' ${issuer} ${passport.wallet_origin};`);
  return conf;
}

before(async () => {
  if (!existsSync(join(BUNDLE, "index.html"))) {
    throw new Error(`${BUNDLE} is missing: run \`trunk build --release --public-url ${BASE} --dist target/dist-subpath\``);
  }
  dir = mkdtempSync(join(tmpdir(), "nginx-e2e-"));
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  passport = await startPassport(port, [], undefined, BASE);
  // The site root holds the bundle under the sub-path, with this run's config.
  const www = join(dir, "www");
  mkdirSync(www);
  cpSync(BUNDLE, join(www, "passport"), { recursive: true });
  writeFileSync(join(www, "passport/config.json"), JSON.stringify(passport.config()));
  // As the sample's install steps say: precompressed copies next to the files.
  execFileSync("bash", [join(ROOT, "deploy/precompress.sh"), join(www, "passport")], { stdio: "ignore" });
  wwwBundle = join(www, "passport");
  nginx = await startNginx(dir, siteConfig(port, www, passport), port);
  browser = await startBrowser();
});
after(async () => {
  await browser?.close();
  nginx?.stop();
  passport?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A page that collects CSP violations, as events and as console messages. */
async function cspWatchedPage() {
  const context = await browser.newContext();
  const violations = [];
  context.on("console", (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
  });
  context.on("weberror", (err) => violations.push(`error: ${err.error().message}`));
  await context.exposeBinding("reportViolation", (_source, text) => violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      window.reportViolation(`${e.violatedDirective} blocked ${e.blockedURI} in ${e.sourceFile}:${e.lineNumber}`));
  });
  const page = await context.newPage();
  return { context, page, violations };
}

test("under the sub-path with the strict CSP: sign in, reload restores, register; no violation", async () => {
  const { context, page, violations } = await cspWatchedPage();
  const response = await page.goto(`${origin}${BASE}`);
  const csp = response.headers()["content-security-policy"];
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/, "the page is served with the strict policy");
  assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/);
  assert.equal(await page.locator("script:not([src])").count(), 0, "index.html has no inline script");

  // Sign in through the popup; its /passport/redirect callback runs under the same policy.
  const email = newEmail("nginx");
  await signInWithPopup(page, { email, create: true });
  assert.equal((await storedUser(page)).profile.email, email);

  // Reload: restored from storage, no popup, no request to the identity provider.
  const requests = recordRequests(page, passport.issuer);
  let popups = 0;
  page.on("popup", () => { popups += 1; });
  await page.reload();
  await page.getByTestId("profile").waitFor();
  assert.equal(await page.getByTestId("profile-email").innerText(), email);
  assert.equal(popups, 0, "no popup on restore");
  assert.deepEqual(requests.filter((r) => r.includes("oauth")), [], "no token request on restore");

  // Registration: TEE Express and the IMX API (connect-src), the Stark worker
  // loaded from the sub-path (worker-src), through the service worker's cache.
  await page.getByTestId("register").click();
  await page.getByTestId("imx-eth-address").waitFor({ timeout: 20000 });
  assert.equal(await page.getByTestId("imx-status").innerText(), "Registered");

  assert.deepEqual(violations, [], "the browser reported no CSP violation");
  await context.close();
});

test("deep links load the app, missing files are real 404s, hashed files are cached", async () => {
  const { context, page, violations } = await cspWatchedPage();
  // A callback deep link with a forged state: the app (not nginx's 404) refuses it.
  const response = await page.goto(`${origin}${BASE}redirect?code=abc&state=forged`);
  assert.equal(response.status(), 200);
  await page.getByTestId("callback-error").waitFor();
  assert.match(await page.getByTestId("callback-error").innerText(), /No matching state/);
  // An unknown route inside the app is the app's not-found page.
  await page.goto(`${origin}${BASE}no/such/page`);
  await page.getByTestId("not-found").waitFor();
  assert.deepEqual(violations, []);
  await context.close();

  assert.equal((await fetch(`${origin}${BASE}missing.js`)).status, 404, "a missing asset is not the app");
  const index = readFileSync(join(BUNDLE, "index.html"), "utf8");
  const wasm = index.match(/data-wasm="?([^"\s>]+)/)[1];
  assert.ok(wasm.startsWith(BASE), `the wasm path ${wasm} is under the base path`);
  const wasmResponse = await fetch(`${origin}${wasm}`);
  assert.equal(wasmResponse.status, 200);
  assert.equal(wasmResponse.headers.get("content-type"), "application/wasm");
  assert.match(wasmResponse.headers.get("cache-control"), /max-age=31536000/);
  const config = await fetch(`${origin}${BASE}config.json`);
  assert.equal(config.headers.get("cache-control"), "no-cache");
  // The workers' files have fixed names: revalidated, never cached for a year.
  for (const file of ["stark_worker_loader.js", "stark_worker.js", "stark_worker_bg.wasm", "sw.js"]) {
    const worker = await fetch(`${origin}${BASE}${file}`);
    assert.equal(worker.status, 200, file);
    assert.doesNotMatch(worker.headers.get("cache-control") || "", /max-age=31536000/, file);
  }
});

/** A raw GET (no decompression) with this Accept-Encoding: status, headers, body length. */
function rawGet(url, encoding) {
  return new Promise((resolve, reject) => {
    request(url, { headers: { "accept-encoding": encoding } }, (res) => {
      let length = 0;
      res.on("data", (chunk) => { length += chunk.length; });
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, length }));
    }).on("error", reject).end();
  });
}

test("the precompressed copies are what goes out: brotli where accepted, else gzip -9", async () => {
  const index = readFileSync(join(BUNDLE, "index.html"), "utf8");
  const wasm = index.match(/data-wasm="?([^"\s>]+)/)[1];
  const file = join(wwwBundle, wasm.slice(BASE.length));
  const sizeOf = (path) => readFileSync(path).length;
  const br = await rawGet(`${origin}${wasm}`, "gzip, deflate, br");
  assert.equal(br.headers["content-encoding"], "br");
  assert.equal(br.length, sizeOf(`${file}.br`), "the brotli -q 11 file, not an on-the-fly one");
  assert.match(br.headers["cache-control"], /max-age=31536000/, "still cached for a year");
  const gz = await rawGet(`${origin}${wasm}`, "gzip");
  assert.equal(gz.headers["content-encoding"], "gzip");
  assert.equal(gz.length, sizeOf(`${file}.gz`), "the gzip -9 file");
  const plain = await rawGet(`${origin}${wasm}`, "identity");
  assert.equal(plain.headers["content-encoding"], undefined);
  assert.equal(plain.length, sizeOf(file));
  assert.ok(br.length < gz.length && gz.length < plain.length, `${br.length} < ${gz.length} < ${plain.length}`);
});

test("the service worker installs under the sample's policy and headers, scoped to the sub-path, and serves an offline reload", async () => {
  const { context, page, violations } = await cspWatchedPage();
  const response = await page.goto(`${origin}${BASE}`);
  assert.match(response.headers()["content-security-policy"], /worker-src 'self'/);
  await page.getByTestId("signed-out").waitFor();
  const scope = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((ok) => navigator.serviceWorker.addEventListener("controllerchange", ok, { once: true }));
    }
    return registration.scope;
  });
  assert.equal(scope, `${origin}${BASE}`, "scoped to the deploy's base path");
  const sw = await fetch(`${origin}${BASE}sw.js`);
  assert.equal(sw.headers.get("cache-control"), "no-cache", "sw.js is revalidated, never cached for a year");

  await context.setOffline(true);
  const offline = await page.reload();
  assert.ok(offline.fromServiceWorker(), "the shell from the worker's cache");
  assert.match(offline.headers()["content-security-policy"], /script-src 'self' 'wasm-unsafe-eval';/, "still under the policy");
  await page.getByTestId("signed-out").waitFor();
  await page.getByRole("status").filter({ hasText: "network is unavailable" }).waitFor();
  await context.setOffline(false);
  assert.deepEqual(violations, [], "the browser reported no CSP violation");
  await context.close();
});
