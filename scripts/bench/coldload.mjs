// Cold load as a visitor feels it: the release app and the official SDK's
// smallest page (bench/sdk/restore.js, minified) side by side in headless
// Chromium with an empty HTTP cache, both served gzipped, on loopback and
// under the same throttled network (Chrome DevTools Protocol emulation).
// Measured from navigation start: a new visitor until the "Sign in" button is
// on screen and working; a returning visitor (session in localStorage) until
// the signed-in UI shows. Figures only; nothing passes or fails on a number.
//   node scripts/bench/coldload.mjs [runs]     (standalone, after a release build)
import { join } from "node:path";
import { startApp, startPassport, startBrowser, ROOT } from "../../tests/e2e/harness.mjs";
import { fillPassportForm, newEmail } from "../../tests/e2e/flows.mjs";
import { startSdkSite } from "../../tests/e2e/sdk/site.mjs";
import { stats } from "./stats.mjs";

/** 1.6 Mbps down, 750 kbps up, 150 ms round trip: Lighthouse's "slow 4G". */
export const THROTTLED = { offline: false, latency: 150, downloadThroughput: (1.6e6 / 8) | 0, uploadThroughput: (750e3 / 8) | 0 };

// Records when each marker first appears, against the navigation's time origin.
const OBSERVER = () => {
  window.__firstSeen = {};
  const look = () => {
    for (const id of ["sign-in", "profile"]) {
      if (!window.__firstSeen[id] && document.querySelector(`[data-testid="${id}"]`)) window.__firstSeen[id] = performance.now();
    }
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true });
};

/**
 * One load of `url` in a fresh context; ms until `marker` is on screen.
 * `mode`: "cold" (HTTP cache disabled, no service worker), "warm" (a visit
 * before filled the HTTP cache; no service worker) or "sw" (a visit before
 * installed the service worker and filled its cache).
 */
async function coldLoad(browser, url, marker, network, storageState, mode = "cold") {
  const context = await browser.newContext({
    ...(storageState ? { storageState } : {}),
    serviceWorkers: mode === "sw" ? "allow" : "block",
  });
  try {
    const page = await context.newPage();
    await page.addInitScript(OBSERVER);
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    if (mode === "cold") {
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    } else {
      // The visit before, on loopback: fills the caches.
      await page.goto(url);
      await page.getByTestId(marker).waitFor({ timeout: 60000 });
      if (mode === "sw") {
        await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
        // The engine, fetched at idle time, is in the worker's cache too.
        await page.waitForFunction(() => performance.getEntriesByType("resource").some((e) => /passport_engine-.*_bg\.wasm$/.test(e.name)), null, { timeout: 30000 });
      }
    }
    if (network) await cdp.send("Network.emulateNetworkConditions", network);
    await page.goto(url, { waitUntil: "commit" });
    await page.getByTestId(marker).waitFor({ timeout: 60000 });
    if (marker === "sign-in" && !(await page.getByTestId(marker).isEnabled())) throw new Error(`${url}: the sign-in button is disabled`);
    if (mode === "sw" && !(await page.evaluate(() => !!navigator.serviceWorker.controller))) throw new Error(`${url}: not served by the service worker`);
    return await page.evaluate((m) => window.__firstSeen[m], marker);
  } finally {
    await context.close();
  }
}

/** Signs in once on `url` through the page's own button and popup; the storage a returning visitor has. */
async function signedInState(browser, url, waitForSignedIn) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    const popupPromise = page.waitForEvent("popup");
    await page.getByTestId("sign-in").click();
    await fillPassportForm(await popupPromise, { email: newEmail("coldload"), create: true });
    await waitForSignedIn(page);
    return await context.storageState();
  } finally {
    await context.close();
  }
}

/** Both pages, both visitors, loopback and throttled: medians and ratios. */
export async function coldLoads(browser, runs) {
  const app = await startApp({ gzip: true, cacheHashed: true });
  const passport = await startPassport(app.port);
  app.setConfig(passport.config());
  const sdk = await startSdkSite([], { entry: join(ROOT, "bench/sdk/restore.js"), minify: true, gzip: true, cacheBundle: true });
  try {
    const pages = {
      app: { url: app.url("/"), state: await signedInState(browser, app.url("/"), (p) => p.getByTestId("profile").waitFor()) },
      sdk: {
        url: `${sdk.origin}/sdk/`,
        state: await signedInState(browser, `${sdk.origin}/sdk/`, (p) => p.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith("oidc.user"))))
      },
    };
    const results = {};
    // Every visitor with the HTTP cache disabled; the returning visitor also
    // with a warm HTTP cache, and (this app only: the SDK page has none) with
    // the service worker. The SDK's warm row is the comparison for both.
    const series = [
      ["new", "sign-in", "cold", ["app", "sdk"]],
      ["returning", "profile", "cold", ["app", "sdk"]],
      ["returning", "profile", "warm", ["app", "sdk"]],
      ["returning", "profile", "sw", ["app"]],
    ];
    // COLDLOAD_MODES=warm,sw (standalone runs): only those series.
    const only = process.env.COLDLOAD_MODES?.split(",");
    for (const [network, conditions] of [["loopback", null], ["throttled", THROTTLED]]) {
      for (const [visitor, marker, mode, names] of series.filter(([, , m]) => !only || only.includes(m))) {
        for (const name of names) {
          const p = pages[name];
          const times = [];
          // Alternating would interleave the servers' warm-up; each series runs on its own.
          for (let run = 0; run < runs; run++) {
            times.push(await coldLoad(browser, p.url, marker, conditions, visitor === "returning" ? p.state : undefined, mode));
          }
          results[`${network}/${visitor}/${mode}/${name}`] = stats(times);
          console.error(`load ${network} ${visitor} ${mode} ${name}: ${stats(times).median.toFixed(0)} ms`);
        }
      }
    }
    return results;
  } finally {
    passport.cleanup();
    await app.stop();
    await sdk.stop();
  }
}

/** The aims of #28 for each row (ratio app / SDK), where it names one. */
const AIMS = {
  "loopback/returning/cold": 0.20, "throttled/returning/cold": 0.50,
  "loopback/returning/sw": 0.20, "throttled/returning/sw": 0.25,
};

export function coldLoadTable(results) {
  const fmt = (s) => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
  const rows = [];
  const what = {
    "new/cold": "new visitor → working Sign in button, HTTP cache disabled",
    "returning/cold": "returning visitor → signed-in UI, HTTP cache disabled",
    "returning/warm": "returning visitor → signed-in UI, warm HTTP cache",
    "returning/sw": "returning visitor → signed-in UI, service worker (SDK: warm HTTP cache)",
  };
  for (const network of ["loopback", "throttled"]) {
    for (const key of Object.keys(what)) {
      const [visitor, mode] = key.split("/");
      const a = results[`${network}/${visitor}/${mode}/app`];
      const s = results[`${network}/${visitor}/${mode === "sw" ? "warm" : mode}/sdk`];
      const ratio = a.median / s.median;
      const aim = AIMS[`${network}/${key}`];
      const verdict = aim === undefined ? "" : ` (aim ≤ ${aim.toFixed(2)}: ${ratio <= aim ? "met" : "not met"})`;
      rows.push(`| ${network} | ${what[key]} | ${fmt(a)} ms | ${fmt(s)} ms | **${ratio.toFixed(2)}**${verdict} |`);
    }
  }
  return `| network | visitor | this app | official SDK page | ratio app / SDK |
|---|---|---:|---:|---:|
${rows.join("\n")}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const browser = await startBrowser();
  try {
    console.log(coldLoadTable(await coldLoads(browser, Number(process.argv[2] || 7))));
  } finally {
    await browser.close();
  }
}
