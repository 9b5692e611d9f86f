// The official SDK, unchanged (@imtbl/passport 2.14.0 from npm), on a page of
// its own, pointed at the local Passport with the SDK's own `overrides`. The
// test drives it through the functions below; TEE Express's fixed host is
// routed to the local Passport's wallet origin by the test, not here.
import { localPassport } from "../../../bench/sdk/local-passport.js";

const config = await (await fetch("/sdk/config.json")).json();
const passport = localPassport(config);

const describe = (err) => `${err?.type ?? ""} ${err?.message ?? err}`.trim();

if (location.pathname === "/sdk/redirect") {
  await passport.loginCallback();
} else {
  let provider;
  window.sdk = {
    async login() {
      const user = await passport.login();
      return user ? { email: user.email, sub: user.sub } : null;
    },
    async restore() {
      const user = await passport.login({ useCachedSession: true });
      return user ? user.email : null;
    },
    async connect() {
      provider = await passport.connectImx();
      return true;
    },
    // Only a registered user has an address (the SDK's own rule).
    address: () => provider.getAddress(),
    async register() {
      try {
        await provider.registerOffchain();
        return { ok: true };
      } catch (err) {
        return { ok: false, error: describe(err) };
      }
    },
    isRegistered: () => provider.isRegisteredOffchain(),
    idToken: () => passport.getIdToken(),
    logout: () => passport.logout(),
  };
  document.body.dataset.ready = "true";
}
