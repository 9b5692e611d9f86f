// The official SDK's page for the compatibility test and the benchmark:
// compat.js bundled with @imtbl/passport from bench/sdk/node_modules (esbuild,
// browser ESM, the same Buffer shim as the size benchmark), served at /sdk/
// with its config, and a browser context whose requests for Immutable's and
// Magic's fixed hosts reach the local Passport (over TLS too).
import { createServer } from "node:http";
import { request as httpsRequest } from "node:https";
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

/**
 * The SDK page's files (path → { type, body }) below /sdk/, for `passport`;
 * with `sdkDefaults`, the SDK keeps every prompt and overlay option at its
 * default (bench/sdk/local-passport.js).
 */
function sdkPageFiles(dir, passport, sdkDefaults = false) {
  const issuer = passport.issuer.replace(/\/$/, "");
  const config = JSON.stringify({
    clientId: "local-passport-app", authenticationDomain: issuer, imxPublicApiDomain: issuer,
    ...(sdkDefaults ? { sdkDefaults: true } : {}),
  });
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
 * as a deployed site would send it. The compatibility test passes
 * `sdkDefaults` (and `--tls` among `passportArgs`).
 */
export async function startSdkSite(passportArgs = [], { entry = join(here, "compat.js"), minify = false, gzip = false, sdkDefaults = false, cacheBundle = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "sdk-site-"));
  await buildSdkPage(dir, entry, minify);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const passport = await startPassport(port, passportArgs, undefined, "/sdk/");
  // Every answer is fixed: its gzip is made once, here.
  const files = Object.fromEntries(Object.entries(sdkPageFiles(dir, passport, sdkDefaults))
    .map(([path, { type, body }]) => [path, { type, body, zipped: gzip ? gzip9(body) : null }]));
  const server = createServer((req, res) => {
    const found = files[new URL(req.url, origin).pathname];
    if (!found) return res.writeHead(404).end();
    const zipped = found.zipped && acceptsGzip(req);
    // With `cacheBundle`, the SDK's bundle is kept a year, as a deploy with a
    // content-hashed bundle name would serve it (the benchmark's warm cache).
    const cache = cacheBundle && req.url.endsWith("/sdk.js") ? "public, max-age=31536000, immutable" : "no-cache";
    res.writeHead(200, { "content-type": found.type, "cache-control": cache, ...(zipped ? { "content-encoding": "gzip" } : {}) })
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
  if (passport.tls) {
    // Over TLS the authentication domain is reached as it is, https and all:
    // only the SDK's fixed hosts are routed, through a client that accepts
    // the local Passport's certificate by its printed fingerprint alone.
    await routeHostsPinned(context, {
      "https://tee.express.magiclabs.com": passport.wallet_origin,
      "https://api.x.immutable.com": passport.issuer,
    }, passport.tls.sha256);
  } else {
    await routeHosts(context, {
      "https://tee.express.magiclabs.com": passport.wallet_origin,
      "https://api.x.immutable.com": passport.issuer,
      [passport.issuer.replace(/^http:/, "https:").replace(/\/$/, "")]: passport.issuer,
    });
  }
  await context.route((url) => url.hostname === "api.immutable.com", (route) => route.abort("internetdisconnected"));
  return context;
}

/** The certificate's SHA-256 as `AB:CD:…`, as the local Passport prints it. */
const fingerprintOf = (socket) => socket.getPeerCertificate()?.fingerprint256;

/**
 * `routeHosts` for a local Passport on TLS: each request is sent by Node to
 * `to`, over a connection whose certificate must have the SHA-256
 * `fingerprint` (else the request fails as refused).
 */
async function routeHostsPinned(context, map, fingerprint) {
  for (const [from, to] of Object.entries(map)) {
    const target = to.replace(/\/$/, "");
    await context.route((url) => url.origin === from, async (route) => {
      const request = route.request();
      const url = new URL(request.url());
      const headers = { ...(await request.allHeaders()) };
      for (const name of ["host", "connection", "content-length", "accept-encoding"]) delete headers[name];
      const body = request.postDataBuffer();
      try {
        const response = await new Promise((ok, fail) => {
          const req = httpsRequest(`${target}${url.pathname}${url.search}`, {
            method: request.method(), headers, rejectUnauthorized: false, agent: false,
          }, (res) => {
            const chunks = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
            res.on("error", fail);
          });
          req.on("socket", (socket) => socket.once("secureConnect", () => {
            if (fingerprintOf(socket) !== fingerprint) req.destroy(new Error("not the local Passport's certificate"));
          }));
          req.on("error", fail);
          req.end(body ?? undefined);
        });
        const flat = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]));
        await route.fulfill({ status: response.status, headers: flat, body: response.body });
      } catch {
        await route.abort("connectionrefused");
      }
    });
  }
}
