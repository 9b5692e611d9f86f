// One small driver over the three browser engines, so that the core flows run
// with the same steps and assertions in each:
//   chromium: Playwright over CDP (Debian `chromium`);
//   firefox:  puppeteer-core over WebDriver BiDi (Debian `firefox-esr`):
//             Playwright cannot drive a stock Firefox;
//   webkit:   selenium-webdriver over classic WebDriver to `WebKitWebDriver`
//             (Debian `webkit2gtk-driver`, MiniBrowser) on an Xvfb display.
// Everything started here (Xvfb, the driver, the browsers) is stopped by
// process id or by its driver in `close()`.
//
// The surface is what a user does and sees: open a page, click, type, read
// text, wait for a window to open or close. Waits poll the page with plain
// DOM reads, which every engine answers alike.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import puppeteer from "puppeteer-core";
import { Builder, By } from "selenium-webdriver";
import { CHROMIUM_ARGS, freePort } from "./harness.mjs";

export const ENGINES = ["chromium", "firefox", "webkit"];

const FIREFOX = process.env.FIREFOX || "/usr/bin/firefox-esr";
const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER || "/usr/bin/WebKitWebDriver";
const MINIBROWSER = process.env.MINIBROWSER || "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** Polls `probe` until it returns a truthy value; fails with `what` after `timeout` ms. */
export async function until(probe, what, timeout = 15000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (${last.message})` : ""}`);
    await sleep(100);
  }
}

/** The CSS selector of a `data-testid`. */
export const testId = (id) => `[data-testid="${id}"]`;

/** A browser engine by name, launched headless (WebKit on its own Xvfb). */
export async function launchEngine(name) {
  if (name === "chromium") return launchChromium();
  if (name === "firefox") return launchFirefox();
  if (name === "webkit") return launchWebKit();
  throw new Error(`unknown engine ${name}`);
}

// ---------------------------------------------------------------- Chromium --

async function launchChromium() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: CHROMIUM_ARGS, headless: true });
  return {
    name: "chromium",
    version: `Chromium ${await browser.version()}`,
    async newContext() {
      const context = await browser.newContext();
      return {
        async newTab() { return playwrightTab(await context.newPage()); },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

function playwrightTab(page) {
  return {
    goto: (url) => page.goto(url).then(() => {}),
    reload: () => page.reload().then(() => {}),
    url: async () => page.url(),
    evaluate: (expression) => page.evaluate(expression),
    click: (selector) => page.locator(selector).click(),
    fill: (selector, value) => page.locator(selector).fill(value),
    async waitForPopup(action) {
      const popup = page.waitForEvent("popup");
      await action();
      return playwrightTab(await popup);
    },
    windowCount: async () => page.context().pages().length,
    isClosed: async () => page.isClosed(),
    close: () => page.close(),
  };
}

// ----------------------------------------------------------------- Firefox --

async function launchFirefox() {
  if (!existsSync(FIREFOX)) throw new Error(`${FIREFOX} is missing: run scripts/setup.sh`);
  const browser = await puppeteer.launch({
    browser: "firefox",
    protocol: "webDriverBiDi",
    executablePath: FIREFOX,
    headless: true,
    // Firefox's defaults otherwise, third-party cookie and storage
    // partitioning (Total Cookie Protection) included.
    extraPrefsFirefox: { "browser.shell.checkDefaultBrowser": false },
  });
  return {
    name: "firefox",
    version: (await browser.version()).replace(/^firefox\//i, "Firefox "),
    async newContext() {
      const context = await browser.createBrowserContext();
      return {
        async newTab() { return puppeteerTab(await context.newPage(), context); },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

function puppeteerTab(page, context) {
  return {
    goto: (url) => page.goto(url).then(() => {}),
    reload: () => page.reload().then(() => {}),
    url: async () => page.url(),
    evaluate: (expression) => page.evaluate(expression),
    async click(selector) {
      const element = await until(() => page.$(selector), selector);
      await element.click();
    },
    async fill(selector, value) {
      const element = await until(() => page.$(selector), selector);
      await element.click({ count: 3 });
      await page.keyboard.press("Backspace");
      await element.type(value);
    },
    async waitForPopup(action) {
      const popup = new Promise((ok) => page.once("popup", ok));
      await action();
      const opened = await Promise.race([popup, sleep(15000).then(() => null)]);
      if (!opened) throw new Error("no window opened within 15 s");
      return puppeteerTab(opened, context);
    },
    windowCount: async () => (await context.pages()).length,
    isClosed: async () => page.isClosed(),
    close: () => page.close(),
  };
}

// ------------------------------------------------------------------ WebKit --

async function launchWebKit() {
  for (const file of [WEBKIT_DRIVER, MINIBROWSER, "/usr/bin/Xvfb"]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/setup.sh`);
  }
  const xvfb = await startXvfb();
  const port = await freePort();
  const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`, "--host=127.0.0.1"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, DISPLAY: xvfb.display },
  });
  const driverLog = [];
  driver.stderr.on("data", (chunk) => driverLog.push(chunk.toString()));
  const stopAll = () => {
    for (const pid of [driver.pid, xvfb.pid]) {
      try { process.kill(pid, "SIGTERM"); } catch { /* gone */ }
    }
  };
  try {
    await until(() => fetch(`http://127.0.0.1:${port}/status`).then((r) => r.ok, () => false), "WebKitWebDriver", 15000);
  } catch (err) {
    stopAll();
    throw new Error(`${err.message}\n${driverLog.join("")}`);
  }
  const sessions = new Set();
  const newSession = async () => {
    // A session is a fresh MiniBrowser with its own ephemeral profile: what
    // the other engines call a browser context.
    const session = await new Builder()
      .usingServer(`http://127.0.0.1:${port}`)
      .withCapabilities({
        browserName: "MiniBrowser",
        "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation"] },
      })
      .build();
    // A navigation or script that never ends fails within the test's time,
    // naming the command, instead of WebDriver's 300 s page-load default.
    await session.manage().setTimeouts({ pageLoad: 30_000, script: 15_000 });
    sessions.add(session);
    return session;
  };
  const probe = await newSession();
  const capabilities = await probe.getCapabilities();
  const version = `WebKitGTK ${capabilities.get("browserVersion")}`;
  await probe.quit();
  sessions.delete(probe);
  return {
    name: "webkit",
    version,
    async newContext() {
      const session = await newSession();
      const first = await session.getWindowHandle();
      const queue = serially();
      let firstUsed = false;
      return {
        async newTab() {
          if (!firstUsed) {
            firstUsed = true;
            return seleniumTab(session, first, queue);
          }
          return queue(async () => {
            await session.switchTo().newWindow("tab");
            return seleniumTab(session, await session.getWindowHandle(), queue);
          });
        },
        async close() {
          sessions.delete(session);
          await session.quit().catch(() => {});
        },
      };
    },
    async close() {
      for (const session of sessions) await session.quit().catch(() => {});
      stopAll();
    },
  };
}

/** An Xvfb server on a display it picks itself (`-displayfd`), so runs never clash. */
async function startXvfb() {
  const child = spawn("/usr/bin/Xvfb", ["-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], {
    stdio: ["ignore", "ignore", "pipe", "pipe"],
  });
  const display = await new Promise((ok, fail) => {
    let text = "";
    child.stdio[3].on("data", (chunk) => {
      text += chunk.toString();
      if (text.includes("\n")) ok(`:${text.trim()}`);
    });
    child.once("exit", (code) => fail(new Error(`Xvfb exited with ${code}`)));
    setTimeout(() => fail(new Error("Xvfb did not report a display")), 10000);
  });
  return { display, pid: child.pid };
}

/** Runs the async functions it is given one at a time, in call order. */
function serially() {
  let tail = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
}

function seleniumTab(session, handle, queue) {
  // Classic WebDriver has one current window per session: every command
  // selects this tab's window first, and the two run as one step of the
  // session's queue, so that two tabs driven at once cannot interleave.
  const here = async () => {
    if ((await session.getWindowHandle().catch(() => null)) !== handle) await session.switchTo().window(handle);
    return session;
  };
  const inTab = (fn) => queue(async () => fn(await here()));
  const find = (selector) =>
    until(() => inTab(async (s) => (await s.findElements(By.css(selector)))[0]), selector);
  return {
    goto: (url) => inTab((s) => s.get(url)),
    reload: () => inTab((s) => s.navigate().refresh()),
    url: () => inTab((s) => s.getCurrentUrl()),
    evaluate: (expression) => inTab((s) => s.executeScript(`return (${expression});`)),
    click: async (selector) => {
      const element = await find(selector);
      await inTab(() => element.click());
    },
    async fill(selector, value) {
      const element = await find(selector);
      await inTab(async () => {
        await element.clear();
        await element.sendKeys(value);
      });
    },
    async waitForPopup(action) {
      const before = new Set(await queue(() => session.getAllWindowHandles()));
      await action();
      const opened = await until(async () => (await queue(() => session.getAllWindowHandles())).find((h) => !before.has(h)), "a new window");
      return seleniumTab(session, opened, queue);
    },
    windowCount: () => queue(async () => (await session.getAllWindowHandles()).length),
    isClosed: () => queue(async () => !(await session.getAllWindowHandles()).includes(handle)),
    close: () => queue(async () => {
      await here();
      await session.close();
      const [rest] = await session.getAllWindowHandles();
      if (rest) await session.switchTo().window(rest);
    }),
  };
}
