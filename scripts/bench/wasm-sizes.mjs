// What costs the bytes in a wasm file: the size of every function body, named
// from the `name` section, grouped by crate. For the shipped file's figures,
// keep the names through the pipeline:
//   wasm-bindgen target/wasm32-unknown-unknown/release/passport-app.wasm --out-dir /tmp/wb --target web --keep-debug
//   wasm-opt -Oz -g /tmp/wb/passport-app_bg.wasm -o /tmp/wb/named.wasm
//   node scripts/bench/wasm-sizes.mjs target/wasm32-unknown-unknown/release/passport-app.wasm [top]
import { readFileSync } from "node:fs";

const bytes = readFileSync(process.argv[2]);
const top = Number(process.argv[3] || 40);
let pos = 8;
const leb = () => { let r = 0, s = 0, b; do { b = bytes[pos++]; r += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return r; };
const str = () => { const n = leb(); const t = bytes.toString("utf8", pos, pos + n); pos += n; return t; };

let imported = 0; const bodies = []; const names = new Map(); let dataBytes = 0;
while (pos < bytes.length) {
  const id = bytes[pos++]; const size = leb(); const end = pos + size;
  if (id === 2) { // imports: functions among them take the first indices
    for (let n = leb(); n > 0; n--) { str(); str(); const kind = bytes[pos++];
      if (kind === 0) { leb(); imported++; } else if (kind === 1) { pos++; const f = leb(); leb(); if (f & 1) leb(); }
      else if (kind === 2) { const f = leb(); leb(); if (f & 1) leb(); } else if (kind === 3) { pos += 2; } }
  } else if (id === 10) { for (let n = leb(); n > 0; n--) { const s = leb(); bodies.push(s); pos += s; } }
  else if (id === 11) { dataBytes += size; }
  else if (id === 0 && str() === "name") {
    while (pos < end) { const sub = bytes[pos++]; const len = leb(); const subEnd = pos + len;
      if (sub === 1) for (let n = leb(); n > 0; n--) { const idx = leb(); names.set(idx, str()); }
      pos = subEnd; }
  }
  pos = end;
}
// Legacy (_ZN) and v0 (_R) mangled names: the crate is the first path component,
// or for an impl block the crate of the type it is for (serde derives count for
// the type's crate), else of the trait.
const crateOf = (name) => {
  if (name.startsWith("_R")) {
    const m = /Cs[0-9A-Za-z]+_(\d+)([a-z_][a-z0-9_]*)/.exec(name);
    return m ? m[2].slice(0, Number(m[1])) : "(other)";
  }
  const legacy = /^_ZN(\d+)(.*)$/.exec(name);
  if (!legacy) {
    // Already demangled (wasm-opt -g): `crate::path`, or `<Type as crate::Trait>`.
    const plain = / for ([a-z_][a-z0-9_]*)::/.exec(name) || /([a-z_][a-z0-9_]*)::/.exec(name);
    return plain ? plain[1] : "(other)";
  }
  const first = legacy[2].slice(0, Number(legacy[1]));
  if (!first.startsWith("_$LT$")) return first;
  const target = /for\$u20\$(?:\$RF\$)?(?:mut\$u20\$)?([a-z_][a-z0-9_]*)\.\./.exec(first) || /([a-z_][a-z0-9_]*)\.\./.exec(first);
  return target ? target[1] : "(impl)";
};
const fns = bodies.map((size, i) => ({ size, name: names.get(i + imported) || `#${i + imported}` }));
if (process.env.SHOW_OTHER) { for (const f of fns.filter((f) => crateOf(f.name) === "(other)").sort((a, b) => b.size - a.size).slice(0, 25)) console.log("other", f.size, f.name.slice(0, 120)); }
const byCrate = new Map();
for (const f of fns) { const c = crateOf(f.name); byCrate.set(c, (byCrate.get(c) || 0) + f.size); }
const total = fns.reduce((a, f) => a + f.size, 0);
console.log(`code ${total} bytes in ${fns.length} functions; data ${dataBytes} bytes`);
console.log("\nby crate:");
for (const [c, s] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${String(s).padStart(9)}  ${(100 * s / total).toFixed(1).padStart(5)}%  ${c}`);
console.log(`\ntop ${top} functions:`);
for (const f of fns.sort((a, b) => b.size - a.size).slice(0, top)) console.log(`${String(f.size).padStart(9)}  ${f.name.slice(0, 150)}`);
