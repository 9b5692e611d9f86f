// End-to-end harness: the release bundle served from dist/, a real local
// Passport on free ports with its own data directory, and headless Chromium.
// Everything started here is stopped by process id in `stop()`.
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, extname, resolve, normalize } from "node:path";
import { createInterface } from "node:readline";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

export const ROOT = resolve(import.meta.dirname, "../..");
const DIST = join(ROOT, "dist");
const LOCAL_PASSPORT = process.env.LOCAL_PASSPORT_BIN || join(ROOT, "target/debug/local-passport");
export const CHROMIUM_ARGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--disable-dev-shm-usage",
];

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm", ".css": "text/css; charset=utf-8", ".json": "application/json",
};

/** A file named by its content (trunk's hash, or the engine's). */
const HASHED = /-[0-9a-f]{16}(_bg)?\.(js|wasm|css)$/;

/** Whether the request takes gzip: then `gzip` (level 9, as `gzip_static` serves it) goes out. */
export const acceptsGzip = (req) => /\bgzip\b/.test(req.headers["accept-encoding"] || "");
export const gzip9 = (body) => gzipSync(body, { level: 9 });

/**
 * Serves dist/ (index.html for deep links) with `headers`. With `gzip`, files
 * go out gzipped to browsers that accept it, as a deployed site sends them.
 * `extraFiles` (path → { type, body }, read at each request, so it can be
 * filled after start) serves other pages on the same origin.
 */
export async function startApp({ headers = {}, gzip = false, dist = DIST, basePath = "/", extraFiles = {}, cacheHashed = false } = {}) {
  if (!existsSync(join(dist, "index.html"))) throw new Error(`${dist} is missing: run \`trunk build --release\` first`);
  const state = { config: undefined };
  // Each file gzipped once, on first request (dist/ does not change while serving).
  const zippedFiles = new Map();
  const zippedFile = (file) => {
    if (!zippedFiles.has(file)) zippedFiles.set(file, gzip9(readFileSync(file)));
    return zippedFiles.get(file);
  };
  const server = createServer((req, res) => {
    const fullPath = decodeURIComponent(new URL(req.url, "http://x").pathname);
    // A bundle built for a base path is served below it, and nothing else is.
    if (!fullPath.startsWith(basePath)) { res.writeHead(404).end("not found"); return; }
    const extra = extraFiles[fullPath];
    if (extra) { res.writeHead(200, { "content-type": extra.type, "cache-control": "no-cache" }).end(extra.body); return; }
    const path = "/" + fullPath.slice(basePath.length);
    if (path === "/config.json" && state.config !== undefined) {
      if (state.config === null) { res.writeHead(404).end("not found"); return; }
      const zipped = gzip && acceptsGzip(req);
      res.writeHead(200, { ...headers, "content-type": "application/json", ...(zipped ? { "content-encoding": "gzip" } : {}) })
        .end(zipped ? gzip9(state.config) : state.config);
      return;
    }
    let file = normalize(join(dist, path));
    if (!file.startsWith(dist)) { res.writeHead(400).end(); return; }
    if (!existsSync(file) || statSync(file).isDirectory()) {
      if (extname(path)) { res.writeHead(404).end("not found"); return; }
      file = join(dist, "index.html"); // deep links such as /redirect load the app
    }
    const zipped = gzip && acceptsGzip(req);
    // With `cacheHashed`, files named by content are kept a year, as the
    // deploy samples and a CDN serve them; everything else is revalidated.
    const cache = cacheHashed && HASHED.test(file) ? "public, max-age=31536000, immutable" : "no-cache";
    res.writeHead(200, {
      ...headers, "content-type": TYPES[extname(file)] || "application/octet-stream", "cache-control": cache,
      ...(zipped ? { "content-encoding": "gzip" } : {}),
    });
    res.end(zipped ? zippedFile(file) : readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const port = server.address().port;
  return {
    port,
    url: (path = "/", host = "127.0.0.1") => `http://${host}:${port}${path}`,
    setConfig(value) { state.config = value === null ? null : (typeof value === "string" ? value : JSON.stringify(value)); },
    stop: () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }),
  };
}

/**
 * Starts a local Passport that trusts the app on `appPort` (served at `basePath`),
 * with extra flags. With fixed `ports` it can be killed and restarted on the same
 * addresses and data (`kill()`, `restart()`), as after a crash.
 */
export async function startPassport(appPort, extraArgs = [], dataDir = mkdtempSync(join(tmpdir(), "lp-e2e-")), basePath = "/", ports = { port: 0, walletPort: 0 }, callback = "redirect", morePaths = { redirect: [], logout: [] }) {
  const origins = [`http://127.0.0.1:${appPort}`, `http://localhost:${appPort}`];
  const more = (paths) => origins.flatMap((o) => paths.map((p) => `${o}${p}`));
  const clientsFile = join(dataDir, "clients.json");
  writeFileSync(clientsFile, JSON.stringify({
    clients: [{
      client_id: "local-passport-app",
      name: "Passport for IMX (e2e)",
      redirect_uris: [...origins.map((o) => `${o}${basePath}${callback}`), ...more(morePaths.redirect ?? [])],
      logout_urls: [...origins.map((o) => `${o}${basePath}`), ...more(morePaths.logout ?? [])],
      web_origins: origins,
    }],
  }));
  const args = [
    "serve", "--port", String(ports.port), "--wallet-port", String(ports.walletPort),
    "--data-dir", dataDir, "--clients", clientsFile, ...extraArgs,
  ];
  const logs = [];
  let child;
  const spawnReady = () => {
    child = spawn(LOCAL_PASSPORT, args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stderr.on("data", (chunk) => logs.push(chunk.toString()));
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error("local Passport did not become ready:\n" + logs.join(""))), 30000);
      createInterface({ input: child.stdout }).once("line", (line) => { clearTimeout(timer); ok(JSON.parse(line)); });
      child.once("exit", (code) => fail(new Error(`local Passport exited with ${code}:\n${logs.join("")}`)));
    });
  };
  const ready = await spawnReady();
  // The admin token this start made up (a restart makes another).
  let adminToken = ready.admin_token;
  const kill = () => { try { process.kill(child.pid, "SIGKILL"); } catch { /* gone */ } };
  return {
    ...ready, dataDir, logs,
    /** The accounts and their IMX registration, as `local-passport users` lists them. */
    users: () => JSON.parse(execFileSync(LOCAL_PASSPORT, ["users", "--data-dir", dataDir]).toString()),
    // Where it listens; the issuer it announces is the same unless --issuer.
    url: (path) => ready.address + path.replace(/^\//, ""),
    config: (extra = {}) => ({
      environment: "local", authority: ready.issuer, imx_api_url: ready.address,
      magic_tee_url: `${ready.wallet_origin}/`, ...extra,
    }),
    /** Calls the admin API (`path` below /__admin/api/) with the token from the
     *  ready line; its JSON answer, or an error with the status and body. */
    async admin(method, path, body) {
      const response = await fetch(ready.address + "__admin/api/" + path.replace(/^\//, ""), {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`admin ${method} ${path}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : null;
    },
    /** The admin token (for the admin page). */
    get adminToken() { return adminToken; },
    /** kill -9, as a crash: no shutdown, whatever was in flight is cut. */
    kill() {
      kill();
      return new Promise((ok) => (child.exitCode !== null || child.signalCode !== null ? ok() : child.once("exit", ok)));
    },
    /** Starts it again on the same ports and data directory. */
    async restart() {
      if (!ports.port) throw new Error("restart needs fixed ports");
      adminToken = (await spawnReady()).admin_token;
    },
    stop: kill,
    cleanup() { kill(); rmSync(dataDir, { recursive: true, force: true }); },
  };
}

/** Headless Chromium, a fresh profile per launch. */
export async function startBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
}

/** A page that records console messages and page errors for later assertions. */
export async function newPage(browser, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  page.consoleLines = [];
  page.on("console", (msg) => page.consoleLines.push(`${msg.type()}: ${msg.text()}`));
  page.on("pageerror", (err) => page.consoleLines.push(`pageerror: ${err.message}`));
  return page;
}

/** A free TCP port on 127.0.0.1 (for servers that cannot report the one they bound). */
export async function freePort() {
  const probe = createServer();
  await new Promise((ok) => probe.listen(0, "127.0.0.1", ok));
  const { port } = probe.address();
  await new Promise((ok) => probe.close(ok));
  return port;
}

/**
 * A real nginx running `siteConf` (a `server { }` block) in the foreground, with
 * its pid file, logs and temp files in `dir`. Stopped by process id.
 */
export async function startNginx(dir, siteConf, port) {
  const nginx = process.env.NGINX || "/usr/sbin/nginx";
  if (!existsSync(nginx)) throw new Error(`${nginx} is missing: run scripts/setup.sh`);
  writeFileSync(join(dir, "site.conf"), siteConf);
  const temp = (name) => `${name}_temp_path ${join(dir, name)};`;
  // The sample's brotli_static needs ngx_brotli's static module (Debian's package path).
  const brotli = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so";
  writeFileSync(join(dir, "nginx.conf"), `
${existsSync(brotli) ? `load_module ${brotli};` : ""}
${process.getuid?.() === 0 ? "user root root;" : ""}
worker_processes 1;
daemon off;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log ${join(dir, "access.log")};
  ${["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(temp).join("\n  ")}
  include ${join(dir, "site.conf")};
}
`);
  const child = spawn(nginx, ["-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf")], { stdio: ["ignore", "pipe", "pipe"] });
  const output = [];
  child.stdout.on("data", (c) => output.push(c.toString()));
  child.stderr.on("data", (c) => output.push(c.toString()));
  let exited = null;
  child.once("exit", (code) => { exited = code; });
  for (let i = 0; i < 100; i++) {
    if (exited !== null) break;
    const up = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
    if (up) return { port, pid: child.pid, stop: () => { try { process.kill(child.pid, "SIGTERM"); } catch { /* gone */ } } };
    await new Promise((ok) => setTimeout(ok, 100));
  }
  try { process.kill(child.pid, "SIGKILL"); } catch { /* gone */ }
  const log = existsSync(join(dir, "error.log")) ? readFileSync(join(dir, "error.log"), "utf8") : "";
  throw new Error(`nginx did not start (exit ${exited}):\n${output.join("")}\n${log}`);
}

/**
 * Sends every request the browser makes to the origins in `map` (real hosts,
 * such as Magic's TEE Express) to the local stand-ins instead, keeping the
 * path and query; the page still sees the real URLs. A stand-in that does not
 * answer is a refused connection, as the real host's would be.
 */
export async function routeHosts(context, map) {
  for (const [from, to] of Object.entries(map)) {
    const target = to.replace(/\/$/, "");
    await context.route((url) => url.origin === from, async (route) => {
      const url = new URL(route.request().url());
      try {
        // Redirects go back to the browser, which follows them as it would the real host's.
        const response = await route.fetch({ url: `${target}${url.pathname}${url.search}`, maxRedirects: 0 });
        await route.fulfill({ response });
      } catch {
        await route.abort("connectionrefused");
      }
    });
  }
}
