// The official SDK pointed at the local Passport with its own `overrides`:
// shared by the compatibility page (tests/e2e/sdk/compat.js) and the
// cold-load benchmark's page (restore.js). `config` is the page's config.json
// (clientId, authenticationDomain, imxPublicApiDomain, and `sdkDefaults`:
// true leaves every prompt and overlay option at the SDK's default, as the
// compatibility test over TLS runs it). TEE Express's fixed host is routed to
// the local Passport by the test where it is reached.
import { Environment, ImmutableConfiguration } from "@imtbl/config";
import { Passport } from "@imtbl/passport";

const unused = "http://127.0.0.1:9"; // zkEVM and order-book services: not part of this flow

export function localPassport(config) {
  return new Passport({
    baseConfig: new ImmutableConfiguration({ environment: Environment.SANDBOX }),
    clientId: config.clientId,
    redirectUri: `${location.origin}/sdk/redirect`,
    logoutRedirectUri: `${location.origin}/sdk/`,
    audience: "platform_api",
    scope: "openid offline_access email transact",
    // Without `sdkDefaults`, the SDK goes straight to the local Passport's
    // sign-in page, with no embedded login-method prompt and no overlays.
    ...(config.sdkDefaults ? {} : {
      popupOverlayOptions: { disableHeadlessLoginPromptOverlay: true, disableGenericPopupOverlay: true, disableBlockedPopupOverlay: true },
    }),
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
}
