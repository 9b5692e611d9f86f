// Starts the app. It lives in its own file, not inline in index.html, so a strict
// Content-Security-Policy (`script-src 'self' 'wasm-unsafe-eval'`, no inline
// script) can load it. Trunk fills in the hashed file names as data attributes
// (see `pattern_script` in Trunk.toml); both already sit in <link rel=preload>
// tags, so the dynamic import below does not start a second download.
const tag = document.querySelector("script[data-wasm]");
// The on-demand engine (data-engine) is an ES module too; `import()` is syntax
// the wasm cannot call, so the app borrows it from here.
globalThis.__passportImport = (url) => import(url);
performance.mark("passport:boot");
const { default: init } = await import(tag.dataset.js);
await init({ module_or_path: tag.dataset.wasm });
