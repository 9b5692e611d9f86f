// The official SDK in the smallest page that does what the app's home page
// does on load, for the cold-load benchmark: run the callback on /redirect;
// otherwise restore the cached session and show the signed-in user, or show
// a working "Sign in" button. connectImx and registerOffchain stay reachable
// (window.register), so the bundle is the whole flow's, as the app's is.
import { Environment, ImmutableConfiguration } from "@imtbl/config";
import { Passport } from "@imtbl/passport";

const config = await (await fetch("config.json")).json();
const unused = "http://127.0.0.1:9";

const passport = new Passport({
  baseConfig: new ImmutableConfiguration({ environment: Environment.SANDBOX }),
  clientId: config.clientId,
  redirectUri: `${location.origin}/sdk/redirect`,
  logoutRedirectUri: `${location.origin}/sdk/`,
  audience: "platform_api",
  scope: "openid offline_access email transact",
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

const show = (element, testid, text) => {
  element.dataset.testid = testid;
  element.textContent = text;
  document.body.append(element);
  return element;
};

if (location.pathname.endsWith("/redirect")) {
  await passport.loginCallback();
} else {
  const user = await passport.login({ useCachedSession: true });
  if (user) {
    show(document.createElement("p"), "profile", user.email);
    window.register = async () => {
      const provider = await passport.connectImx();
      if (!(await provider.isRegisteredOffchain())) await provider.registerOffchain();
    };
  } else {
    show(document.createElement("button"), "sign-in", "Sign in").onclick = () => passport.login();
  }
}
