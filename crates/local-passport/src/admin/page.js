// The admin page over the admin API. The token is typed in once and kept in
// this tab's sessionStorage; nothing secret is ever written into the page.
"use strict";

const KEY = "local-passport.admin-token";
const $ = (id) => document.getElementById(id);
let lastSeq = 0;
let polling = null;

function token() { return sessionStorage.getItem(KEY) || ""; }

function say(text) { $("status").textContent = text; }

async function api(method, path, body) {
  const init = { method, headers: { authorization: `Bearer ${token()}` } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`/__admin/api/${path}`, init);
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new Error(json && json.message ? `${response.status}: ${json.message}` : `HTTP ${response.status}`);
  }
  return json;
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
  return td;
}

function button(parent, label, action) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", () => run(action));
  parent.appendChild(b);
  return b;
}

async function run(action) {
  try { await action(); } catch (err) { say(err.message); }
}

async function showAccounts() {
  const { accounts } = await api("GET", "accounts");
  const body = $("accounts").tBodies[0];
  body.replaceChildren();
  for (const a of accounts) {
    const row = body.insertRow();
    row.dataset.email = a.email;
    cell(row, a.email);
    cell(row, a.shape);
    cell(row, a.registered ? `registered (${a.imx.ether_key})` : "not registered");
    cell(row, String(a.sessions));
    const actions = cell(row, "");
    const id = encodeURIComponent(a.sub);
    const who = a.email;
    button(actions, `Tokens of ${who}`, async () => {
      const t = await api("GET", `accounts/${id}/tokens`);
      $("tokens").textContent = JSON.stringify(t, null, 2);
      say(`Last tokens of ${who} shown.`);
    });
    button(actions, `End sessions of ${who}`, async () => {
      const r = await api("DELETE", `accounts/${id}/sessions`);
      say(`${r.ended} session(s) of ${who} ended.`);
      await refresh();
    });
    button(actions, `Invalidate access tokens of ${who}`, async () => {
      await api("POST", `accounts/${id}/invalidate-access`, {});
      say(`Access and ID tokens of ${who} invalidated.`);
    });
    button(actions, `Invalidate refresh tokens of ${who}`, async () => {
      const r = await api("POST", `accounts/${id}/invalidate-refresh`, {});
      say(`${r.revoked} refresh token(s) of ${who} revoked.`);
    });
    button(actions, `Delete ${who}`, async () => {
      await api("DELETE", `accounts/${id}`);
      say(`${who} deleted.`);
      await refresh();
    });
  }
}

async function showSessions() {
  const { sessions } = await api("GET", "sessions");
  const body = $("sessions").tBodies[0];
  body.replaceChildren();
  for (const s of sessions) {
    const row = body.insertRow();
    cell(row, s.email || s.sub);
    cell(row, s.client_id || "");
    cell(row, s.ended ? "ended" : "live");
    const actions = cell(row, "");
    if (!s.ended) {
      button(actions, `End this session of ${s.email || s.sub}`, async () => {
        await api("DELETE", `sessions/${encodeURIComponent(s.sid)}`);
        say("Session ended.");
        await refresh();
      });
    }
  }
}

function faultValue(kind) {
  switch (kind) {
    case "": return null;
    case "down": return "down";
    case "slow": return { slow: 3000 };
    case "unauthorised": return { unauthorised: 1 };
    case "invalid": return { invalid: 1 };
  }
  return null;
}

function faultName(fault) {
  if (fault === null || fault === undefined) return "";
  if (fault === "down") return "down";
  return Object.keys(fault)[0];
}

async function showFaults(faults) {
  const f = faults || await api("GET", "faults");
  $("imx-down").checked = f.imx_down;
  $("wallet-fault").value = faultName(f.wallet);
  $("token-fault").value = faultName(f.token);
}

async function pollRequests() {
  const { requests } = await api("GET", `requests?after=${lastSeq}`);
  const body = $("requests").tBodies[0];
  for (const r of requests) {
    lastSeq = Math.max(lastSeq, r.seq);
    const row = body.insertRow(0);
    cell(row, new Date(r.at_ms).toLocaleTimeString());
    cell(row, r.server);
    cell(row, r.method);
    cell(row, r.path);
    cell(row, String(r.status));
    cell(row, String(r.ms));
  }
  while (body.rows.length > 200) body.deleteRow(body.rows.length - 1);
}

async function refresh() {
  await showAccounts();
  await showSessions();
  await showFaults();
}

async function start() {
  if (!token()) { say("Enter the admin token."); return; }
  try {
    await refresh();
    await pollRequests();
    say("Connected.");
    clearInterval(polling);
    polling = setInterval(() => run(async () => { await pollRequests(); await showAccounts(); await showSessions(); }), 2000);
  } catch (err) {
    say(err.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("token").value.trim());
    $("token").value = "";
    start();
  });
  $("forget-token").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    clearInterval(polling);
    say("Token forgotten.");
  });
  $("create-form").addEventListener("submit", (event) => {
    event.preventDefault();
    run(async () => {
      const body = { email: $("new-email").value, shape: $("new-shape").value };
      if ($("new-password").value) body.password = $("new-password").value;
      const a = await api("POST", "accounts", body);
      $("new-password").value = "";
      say(`${a.email} created (${a.shape}).`);
      await refresh();
    });
  });
  $("faults-form").addEventListener("submit", (event) => {
    event.preventDefault();
    run(async () => {
      const f = await api("POST", "faults", {
        imx_down: $("imx-down").checked,
        wallet: faultValue($("wallet-fault").value),
        token: faultValue($("token-fault").value),
      });
      await showFaults(f);
      say("Fault switches applied.");
    });
  });
  $("reset").addEventListener("click", () => run(async () => {
    await api("POST", "reset", {});
    $("requests").tBodies[0].replaceChildren();
    lastSeq = 0;
    $("tokens").textContent = "";
    say("Everything reset.");
    await refresh();
  }));
  start();
});
