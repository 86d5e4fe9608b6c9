import { announce } from "./announcer";
import { h, replaceChildren } from "./dom";
import type { SessionStore } from "./session";

/** Header sign-in: a user name in, a dev token out (see session.ts); or who you are and Sign out. */
export function mountSignIn(root: HTMLElement, session: SessionStore): void {
  const render = () => {
    const current = session.current;
    if (current !== null) {
      replaceChildren(
        root,
        h("span", { "data-testid": "signed-in-as" }, "Signed in as ", h("strong", {}, current.name)),
        " ",
        h("button", { type: "button", class: "link-button", onclick: () => session.signOut() }, "Sign out"),
      );
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
  };
  session.onChange(render);
  render();
}
