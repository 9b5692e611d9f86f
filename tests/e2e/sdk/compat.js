// The official SDK, unchanged (@imtbl/passport 2.14.0 from npm), on a page of
// its own, pointed at the local Passport with the SDK's own `overrides`. The
// test drives it through the functions below; TEE Express's fixed host is
// routed to the local Passport's wallet origin by the test, not here.
import { Environment, ImmutableConfiguration } from "@imtbl/config";
import { Passport } from "@imtbl/passport";

const config = await (await fetch("/sdk/config.json")).json();
const unused = "http://127.0.0.1:9"; // zkEVM and order-book services: not part of this flow

const passport = new Passport({
  baseConfig: new ImmutableConfiguration({ environment: Environment.SANDBOX }),
  clientId: config.clientId,
  redirectUri: `${location.origin}/sdk/redirect`,
  logoutRedirectUri: `${location.origin}/sdk/`,
  audience: "platform_api",
  scope: "openid offline_access email transact",
  // The embedded login-method prompt is Immutable's hosted page; the local
  // Passport's own sign-in page is the method here.
  popupOverlayOptions: { disableHeadlessLoginPromptOverlay: true, disableGenericPopupOverlay: true, disableBlockedPopupOverlay: true },
  overrides: {
    authenticationDomain: config.authenticationDomain,
    imxPublicApiDomain: config.imxPublicApiDomain,
    magicPublishableApiKey: "pk_live_10F423798A540ED7",
    magicProviderId: "aa80b860-8869-4f13-9000-6a6ad3d20017",
    passportDomain: unused,
    zkEvmRpcUrl: unused,
    relayerUrl: unused,
    indexerMrBasePath: unused,
    orderBookMrBasePath: unused,
    passportMrBasePath: unused,
  },
});

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
