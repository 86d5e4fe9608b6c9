import { createPageApi } from "./api";
import { ConnectionStatus } from "./connection-status";
import { h, replaceChildren } from "./dom";
import { configure } from "./elements";
import { mountHomePage } from "./home-page";
import { whenOnline } from "./network";
import { parseRoute } from "./router";
import { SessionStore } from "./session";
import { mountSignIn } from "./sign-in";
import { mountTargetPage } from "./target-page";

/** The page is served by the same Worker as the API, so the API is this origin. */
const baseUrl = location.origin;
const session = new SessionStore(baseUrl);
const api = createPageApi(baseUrl, session);
// The embed's elements sign in with the page's session; a sign-in or sign-out signs their
// sockets in again (configure() reconnects every live connection).
configure({
  baseUrl,
  token: async () => {
    await whenOnline();
    return session.token();
  },
});
session.onChange(() => configure({}));

function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`index.html lacks #${id}`);
  return element;
}

const main = byId("main");
const statusSlot = byId("connection-slot");
mountSignIn(byId("sign-in-slot"), session);

let unmount: () => void = () => {};

function route(): void {
  unmount();
  replaceChildren(statusSlot);
  const current = parseRoute(location.hash);
  switch (current.page) {
    case "home":
      unmount = mountHomePage(main);
      break;
    case "target": {
      const status = new ConnectionStatus();
      statusSlot.append(status.element);
      unmount = mountTargetPage(main, current.target, { baseUrl, api, session, status });
      break;
    }
    case "not-found":
      replaceChildren(main, h("h1", {}, "Not found"), h("p", {}, "No page at ", h("code", {}, current.path), ". ", h("a", { href: "#/" }, "Home")));
      unmount = () => {};
      break;
    default: {
      const unknownRoute: never = current;
      throw new Error(`unhandled route ${JSON.stringify(unknownRoute)}`);
    }
  }
  // Moving between pages moves focus to the new page's heading, as a full page load would.
  main.querySelector("h1")?.setAttribute("tabindex", "-1");
  main.querySelector<HTMLElement>("h1")?.focus();
}

window.addEventListener("hashchange", route);
route();

// The skip link cannot be a plain #main anchor: the hash is the router's.
document.querySelector(".skip-link")?.addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
