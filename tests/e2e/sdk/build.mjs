// Bundles compat.js with the official SDK from bench/sdk/node_modules (esbuild,
// browser ESM, the same Buffer shim as the size benchmark) into `outdir`.
import { join, resolve } from "node:path";
import { createRequire } from "node:module";

const here = import.meta.dirname;
const sdkDir = resolve(here, "../../../bench/sdk");

export async function buildSdkPage(outdir) {
  const require = createRequire(join(sdkDir, "package.json"));
  const { build } = require("esbuild");
  await build({
    absWorkingDir: sdkDir,
    entryPoints: [join(here, "compat.js")],
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
