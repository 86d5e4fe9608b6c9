import { announce } from "./announcer";
import { h, replaceChildren } from "./dom";
import type { SessionStore } from "./session";

/** Header sign-in: a user name in, a dev token out (see session.ts); or who you are and Sign out. */
export function mountSignIn(root: HTMLElement, session: SessionStore): void {
  const render = () => {
    // The form or button that had focus is about to be replaced: focus moves to its successor,
    // never to <body> (where a keyboard or screen reader user would start over at the top).
    const hadFocus = root.contains(document.activeElement);
    const current = session.current;
    if (current !== null) {
      const signOut = h("button", { type: "button", class: "link-button", onclick: () => session.signOut() }, "Sign out");
      replaceChildren(root, h("span", { "data-testid": "signed-in-as" }, "Signed in as ", h("strong", {}, current.name)), " ", signOut);
      if (hadFocus) signOut.focus();
      return;
    }
    const input = h("input", { id: "user-name", name: "user", autocomplete: "username", required: true, pattern: "[A-Za-z0-9_\\-]{1,64}", "data-testid": "user-name" });
    const error = h("span", { class: "error", role: "alert" });
    const form = h(
      "form",
      { class: "inline-form", "data-testid": "sign-in" },
      h("label", { for: "user-name" }, "User name"),
      " ",
      input,
      " ",
      h("button", { type: "submit" }, "Sign in"),
      " ",
      error,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const name = input.value.trim();
      session
        .signIn(name, name)
        .then(() => announce(`Signed in as ${name}`))
        .catch((e: unknown) => {
          error.textContent = e instanceof Error ? e.message : String(e);
        });
    });
    replaceChildren(root, form);
    if (hadFocus) input.focus();
  };
  session.onChange(render);
  render();
}
