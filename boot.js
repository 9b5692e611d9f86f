// Starts the app. It lives in its own file, not inline in index.html, so a strict
// Content-Security-Policy (`script-src 'self' 'wasm-unsafe-eval'`, no inline
// script) can load it. Trunk fills in the hashed file names as data attributes
// (see `pattern_script` in Trunk.toml); both already sit in <link rel=preload>
// tags, so the dynamic import below does not start a second download.
const tag = document.querySelector("script[data-wasm]");
// The on-demand engine (data-engine) is an ES module too; `import()` is syntax
// the wasm cannot call, so the app borrows it from here.
globalThis.__passportImport = (url) => import(url);
// On a sign-in callback (its query carries the state) the engine is needed at
// once: its files download beside the app's instead of after it starts.
if (tag.dataset.engine && new URLSearchParams(location.search).has("state")) {
  for (const [suffix, rel] of [[".js", "modulepreload"], ["_bg.wasm", "preload"]]) {
    const link = Object.assign(document.createElement("link"), { rel, href: new URL(tag.dataset.engine + suffix, document.baseURI).href });
    if (rel === "preload") Object.assign(link, { as: "fetch", crossOrigin: "anonymous", type: "application/wasm" });
    document.head.append(link);
  }
}
performance.mark("passport:boot");
const { default: init } = await import(tag.dataset.js);
await init({ module_or_path: tag.dataset.wasm });

// ---- The app shell's service worker (sw.js; see there and the README) ----
// Everything below runs only after the app has started, so it never delays
// the first screen; and it is plain DOM in a container of its own at the end
// of <body>, beside (never inside) the nodes the app mounts.

const CACHE_PREFIX = "passport-app-";
const base = new URL("./", document.baseURI);
const notices = document.createElement("div");
notices.className = "sw-notices";
document.body.append(notices);

/** A notice with `text` (and a button), shown until `remove()`; one per `id`. */
function notice(id, text, button) {
  notices.querySelector(`[data-notice="${id}"]`)?.remove();
  const box = document.createElement("div");
  box.className = "notice";
  box.dataset.notice = id;
  box.dataset.testid = `${id}-notice`;
  box.setAttribute("role", "status");
  const p = document.createElement("p");
  p.textContent = text;
  box.append(p);
  if (button) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "small";
    b.textContent = button.label;
    b.addEventListener("click", button.onClick);
    box.append(b);
  }
  notices.append(box);
  return box;
}

// Offline: the page says so. The session in localStorage is untouched; what
// needs the network (signing in, registering) reports its own error.
const showOnline = () => {
  if (navigator.onLine) notices.querySelector('[data-notice="offline"]')?.remove();
  else notice("offline", "You are offline: the network is unavailable. Nothing is lost; your session is kept on this device.");
};
addEventListener("online", showOnline);
addEventListener("offline", showOnline);
showOnline();

// `trunk serve` appends its live-reload script (inline, opening a WebSocket to
// /.well-known/trunk/ws) to the page: a cached shell would fight the reloads.
const underTrunkServe = [...document.scripts].some((s) => !s.src && s.textContent.includes(".well-known/trunk/ws"));
// The switch: a deploy with <meta name="passport-service-worker" content="off">.
const switchedOff = document.querySelector('meta[name="passport-service-worker"]')?.content.trim() === "off";

if ("serviceWorker" in navigator && window.isSecureContext && !underTrunkServe) {
  if (switchedOff) {
    // Also unregisters the worker already installed at this browser, and its caches.
    for (const registration of await navigator.serviceWorker.getRegistrations()) {
      if (registration.scope === base.href) await registration.unregister();
    }
    for (const name of await caches.keys()) if (name.startsWith(CACHE_PREFIX)) await caches.delete(name);
  } else {
    if (document.readyState !== "complete") await new Promise((ok) => addEventListener("load", ok, { once: true }));
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data?.type === "update-ready") offerReload();
    });
    navigator.serviceWorker.startMessages(); // the queued ones too, now
    try {
      // updateViaCache "none": the browser asks the server for sw.js itself,
      // whatever an HTTP cache in between would say.
      await navigator.serviceWorker.register(new URL("sw.js", base), { scope: base.href, updateViaCache: "none" });
      // A newer deploy the worker found before this page listened. (Only a
      // page the worker served can be behind; one loaded past it is the newest.)
      navigator.serviceWorker.controller?.postMessage({ type: "status" });
    } catch (error) {
      console.warn("service worker not registered:", error.message);
    }
  }
}

function offerReload() {
  if (notices.querySelector('[data-notice="update"]')) return;
  notice("update", "A new version is available.", {
    label: "Reload",
    onClick: async (event) => {
      event.currentTarget.disabled = true;
      // The worker switches its cache to the new deploy, then the whole page
      // loads again from it: no page ever mixes old and new files.
      const worker = navigator.serviceWorker.controller
        || (await navigator.serviceWorker.getRegistration(base.href))?.active;
      if (worker) {
        const channel = new MessageChannel();
        const applied = new Promise((ok) => { channel.port1.onmessage = ok; });
        worker.postMessage({ type: "apply-update" }, [channel.port2]);
        await Promise.race([applied, new Promise((ok) => setTimeout(ok, 5000))]);
      }
      location.reload();
    },
  });
}
