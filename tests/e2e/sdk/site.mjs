// The official SDK's page for the compatibility test and the benchmark:
// compat.js bundled with @imtbl/passport from bench/sdk/node_modules (esbuild,
// browser ESM, the same Buffer shim as the size benchmark), served at /sdk/
// with its config, and a browser context whose requests for Immutable's and
// Magic's fixed hosts reach the local Passport.
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { acceptsGzip, freePort, gzip9, routeHosts, startPassport } from "../harness.mjs";

const here = import.meta.dirname;
const sdkDir = resolve(here, "../../../bench/sdk");

async function buildSdkPage(outdir, entry, minify) {
  const require = createRequire(join(sdkDir, "package.json"));
  const { build } = require("esbuild");
  await build({
    absWorkingDir: sdkDir,
    entryPoints: [entry],
    minify,
    nodePaths: [join(sdkDir, "node_modules")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outfile: join(outdir, "sdk.js"),
    inject: [join(sdkDir, "buffer-shim.js")],
    define: { global: "globalThis", "process.env.NODE_ENV": '"production"' },
    logLevel: "error",
  });
}

/** The SDK page's files (path → { type, body }) below /sdk/, for `passport`. */
function sdkPageFiles(dir, passport) {
  const issuer = passport.issuer.replace(/\/$/, "");
  const config = JSON.stringify({ clientId: "local-passport-app", authenticationDomain: issuer, imxPublicApiDomain: issuer });
  const html = '<!doctype html><html><head><script type="module" src="/sdk/sdk.js"></script></head><body></body></html>';
  return {
    "/sdk/config.json": { type: "application/json", body: config },
    "/sdk/sdk.js": { type: "text/javascript", body: readFileSync(join(dir, "sdk.js")) },
    "/sdk/": { type: "text/html", body: html },
    "/sdk/redirect": { type: "text/html", body: html },
  };
}

/**
 * The SDK page beside this app, on the app's own origin (`extraFiles` of
 * `startApp`), for `passport`: one origin, one localStorage, two clients.
 */
export async function mountSdkPage(extraFiles, passport) {
  const dir = mkdtempSync(join(tmpdir(), "sdk-page-"));
  await buildSdkPage(dir, join(here, "compat.js"), false);
  Object.assign(extraFiles, sdkPageFiles(dir, passport));
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The SDK page on its own port, and a local Passport that trusts it. The
 * benchmark passes its own page script (`entry`), minified, and asks for gzip
 * as a deployed site would send it.
 */
export async function startSdkSite(passportArgs = [], { entry = join(here, "compat.js"), minify = false, gzip = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "sdk-site-"));
  await buildSdkPage(dir, entry, minify);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const passport = await startPassport(port, passportArgs, undefined, "/sdk/");
  // Every answer is fixed: its gzip is made once, here.
  const files = Object.fromEntries(Object.entries(sdkPageFiles(dir, passport))
    .map(([path, { type, body }]) => [path, { type, body, zipped: gzip ? gzip9(body) : null }]));
  const server = createServer((req, res) => {
    const found = files[new URL(req.url, origin).pathname];
    if (!found) return res.writeHead(404).end();
    const zipped = found.zipped && acceptsGzip(req);
    res.writeHead(200, { "content-type": found.type, "cache-control": "no-cache", ...(zipped ? { "content-encoding": "gzip" } : {}) })
      .end(zipped ? found.zipped : found.body);
  });
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  return {
    origin, passport,
    async stop() {
      passport.cleanup();
      await new Promise((ok) => server.close(ok));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A browser context for the SDK page: TEE Express's fixed host and the
 * production IMX API (which the SDK asks about existing Stark keys for a few
 * accounts) go to the local Passport; so does the https:// twin of the local
 * issuer, since the SDK writes its logout URL with https:// whatever the
 * authentication domain's scheme (packages/auth/src/logout/index.ts).
 * Immutable's metrics host is refused, as offline.
 */
export async function sdkContext(browser, passport) {
  const context = await browser.newContext();
  await routeHosts(context, {
    "https://tee.express.magiclabs.com": passport.wallet_origin,
    "https://api.x.immutable.com": passport.issuer,
    [passport.issuer.replace(/^http:/, "https:").replace(/\/$/, "")]: passport.issuer,
  });
  await context.route((url) => url.hostname === "api.immutable.com", (route) => route.abort("internetdisconnected"));
  return context;
}
