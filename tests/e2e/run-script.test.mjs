// scripts/run.sh says "Open …" only once the app is really served. Its wait
// (scripts/wait-for-app.sh) is tested against a stand-in for `trunk serve`
// that listens at once but serves the built page only later, as trunk does
// during its first build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./harness.mjs";

function waitForApp(url, pid, every) {
  const child = spawn("bash", [join(ROOT, "scripts/wait-for-app.sh"), url, String(pid), String(every)]);
  const output = [];
  child.stdout.on("data", (c) => output.push(c.toString()));
  child.stderr.on("data", (c) => output.push(c.toString()));
  return new Promise((ok) => child.once("exit", (code) => ok({ code, output: output.join("") })));
}

test("the wait ends only when the built app is served, with progress meanwhile", async () => {
  let built = false;
  let building = 0;
  let served = 0;
  const server = createServer((_req, res) => {
    if (!built) { building += 1; return res.writeHead(404).end("not found"); } // listening, still building
    served += 1;
    res.writeHead(200, { "content-type": "text/html" })
      .end('<script type="module" src="/boot.js" data-js="/app.js" data-wasm="/app_bg.wasm"></script>');
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${server.address().port}/`;
  setTimeout(() => { built = true; }, 3500);
  const { code, output } = await waitForApp(url, process.pid, 2);
  assert.equal(code, 0);
  assert.ok(building > 0, "it asked while the app was still building");
  assert.ok(served > 0, "and ended on the built page");
  assert.match(output, /still building the app/, "progress while waiting");
  await new Promise((ok) => server.close(ok));
});

test("the wait fails clearly when the app server stops first", async () => {
  const gone = spawn("sleep", ["0.5"]);
  const { code, output } = await waitForApp("http://127.0.0.1:9/", gone.pid, 30);
  assert.equal(code, 1);
  assert.match(output, /stopped before the app was served/);
});
