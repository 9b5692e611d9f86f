// The Passport wallet frame. It answers JSON-RPC requests from its parent page
// by postMessage, only from the origins registered for the app, and calls the
// wallet service on its own origin with the user's ID token. Keys stay here.
(() => {
  "use strict";
  const TYPE = "passport-wallet";
  const MAX_MESSAGE = 64 * 1024;
  const meta = document.querySelector('meta[name="allowed-origins"]');
  const allowed = new Set(JSON.parse((meta && meta.content) || "[]"));
  // One ID token per parent origin, held in memory only.
  const tokens = new Map();

  async function call(path, token, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw { code: data.code || "wallet_error", message: data.message || ("wallet service answered " + response.status) };
    }
    return data;
  }

  function tokenFor(origin) {
    const token = tokens.get(origin);
    if (!token) throw { code: "wallet_not_connected", message: "connect the wallet first" };
    return token;
  }

  const methods = {
    async connect(origin, params) {
      if (!params || typeof params.id_token !== "string") throw { code: "invalid_params", message: "id_token is required" };
      const result = await call("/wallet/v1/connect", params.id_token);
      tokens.set(origin, params.id_token);
      return { address: result.address };
    },
    async personal_sign(origin, params) {
      if (!params || typeof params.message !== "string") throw { code: "invalid_params", message: "message is required" };
      return call("/wallet/v1/personal-sign", tokenFor(origin), { message: params.message });
    },
    async stark_key(origin) {
      return call("/wallet/v1/stark-key", tokenFor(origin));
    },
    async stark_sign(origin, params) {
      if (!params || typeof params.hash !== "string") throw { code: "invalid_params", message: "hash is required" };
      return call("/wallet/v1/stark-sign", tokenFor(origin), { hash: params.hash });
    },
  };

  window.addEventListener("message", async (event) => {
    if (!allowed.has(event.origin) || event.source !== window.parent) return;
    const request = event.data;
    if (!request || request.type !== TYPE || typeof request.id !== "string" || typeof request.method !== "string") return;
    if (JSON.stringify(request).length > MAX_MESSAGE) return;
    const reply = { type: TYPE, id: request.id };
    const method = Object.prototype.hasOwnProperty.call(methods, request.method) ? methods[request.method] : null;
    try {
      if (!method) throw { code: "method_not_found", message: "unknown method " + request.method };
      reply.result = await method(event.origin, request.params);
    } catch (error) {
      reply.error = {
        code: (error && error.code) || "network_error",
        message: (error && error.message) || "the wallet service could not be reached",
      };
    }
    event.source.postMessage(reply, event.origin);
  });

  // Tell the parent we are listening; it may only send requests after this.
  for (const origin of allowed) {
    try { window.parent.postMessage({ type: TYPE, event: "ready" }, origin); } catch (_) { /* other origin */ }
  }
})();
