// The official SDK in the smallest page that does what the app's home page
// does on load, for the cold-load benchmark: run the callback on /redirect;
// otherwise restore the cached session and show the signed-in user, or show
// a working "Sign in" button. connectImx and registerOffchain stay reachable
// (window.register), so the bundle is the whole flow's, as the app's is.
import { localPassport } from "./local-passport.js";

const passport = localPassport(await (await fetch("config.json")).json());

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
