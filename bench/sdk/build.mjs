// Bundles entry.js with esbuild as a production browser build and prints the
// output's sizes as one JSON line (raw, gzip -9, brotli -q 11). The biggest
// input packages go to stderr: what costs the bytes in the SDK.
import { build } from "esbuild";
import { readFileSync, readdirSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

process.chdir(new URL(".", import.meta.url).pathname); // paths below are relative to this folder

// Node built-ins the browser lacks, handled as a browser app would:
// - Buffer (a global): the npm "buffer" polyfill, injected (buffer-shim.js);
// - "events" (imported by @ethereumjs/util): resolves to the npm "events"
//   polyfill of that name, a dependency here; without it esbuild fails;
// - "crypto"/"buffer" required by bn.js, brorand and js-md5: their own
//   package.json "browser" fields map them to false (empty), no stub needed.
// Nothing is external: the output is the whole of what a page would load.
rmSync("out", { recursive: true, force: true });
mkdirSync("out");
const result = await build({
  absWorkingDir: process.cwd(), // esbuild's default is the cwd from before the chdir
  entryPoints: ["entry.js"],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2020",
  outfile: "out/sdk.js",
  inject: ["buffer-shim.js"],
  define: { global: "globalThis", "process.env.NODE_ENV": '"production"' },
  metafile: true,
  logLevel: "warning",
});
writeFileSync("out/meta.json", JSON.stringify(result.metafile));

const files = readdirSync("out").filter((f) => f !== "meta.json").map((name) => {
  const bytes = readFileSync(`out/${name}`);
  return {
    name, raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
});
const total = files.reduce((t, f) => ({ raw: t.raw + f.raw, gzip: t.gzip + f.gzip, brotli: t.brotli + f.brotli }), { raw: 0, gzip: 0, brotli: 0 });

const byPackage = new Map();
for (const [path, info] of Object.entries(result.metafile.outputs["out/sdk.js"].inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  const pkg = m ? m[1] : "(entry)";
  byPackage.set(pkg, (byPackage.get(pkg) || 0) + info.bytesInOutput);
}
for (const [pkg, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  console.error(`${String(bytes).padStart(9)}  ${pkg}`);
}
const version = (pkg) => JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, "utf8")).version;
const versions = { "@imtbl/passport": version("@imtbl/passport"), esbuild: version("esbuild"), buffer: version("buffer") };
console.log(JSON.stringify({ files, total, versions, top: [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 10) }));
