// The same flow as the app, on the official SDK: run the login callback on
// /redirect, otherwise restore the cached session, then connect IMX and
// register the user off-chain if needed. The results are written to the page
// so the bundler keeps every call.
import { Environment, ImmutableConfiguration } from "@imtbl/config";
import { Passport } from "@imtbl/passport";

const passport = new Passport({
  baseConfig: new ImmutableConfiguration({ environment: Environment.PRODUCTION }),
  clientId: "benchmark-client-id",
  redirectUri: `${location.origin}/redirect`,
  logoutRedirectUri: `${location.origin}/`,
  audience: "platform_api",
  scope: "openid offline_access email transact",
});

async function main() {
  if (location.pathname === "/redirect") {
    await passport.loginCallback();
    return;
  }
  const user = await passport.login({ useCachedSession: true });
  if (!user) {
    document.body.textContent = "signed out";
    return;
  }
  const provider = await passport.connectImx();
  const registered = await provider.isRegisteredOffchain();
  if (!registered) await provider.registerOffchain();
  document.body.textContent = `${user.email}: ${await provider.getAddress()}`;
}

main().catch((err) => { document.body.textContent = String(err); });
