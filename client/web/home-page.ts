import { h, replaceChildren } from "./dom";
import "./elements";
import { targetHref } from "./router";

/** The demo targets on the home page; any `kind:id` works at `#/t/<target>`. */
export const DEMO_TARGETS = [
  { target: "stream:demo", title: "Live stream: the demo show" },
  { target: "post:welcome", title: "Post: welcome to the live page" },
  { target: "game:final", title: "Game: the final" },
] as const;

/**
 * The demo targets with their like counts: <engage-count> elements, which share one batched
 * GET and re-read it while in view. No sockets: a visitor of the home page watches none of
 * the targets listed, so none counts them as a viewer.
 */
export function mountHomePage(root: HTMLElement): () => void {
  const items = DEMO_TARGETS.map(({ target, title }) =>
    h(
      "li",
      { "data-target": target },
      h("a", { href: targetHref(target) }, title),
      " ",
      h("span", { class: "muted" }, target),
      " · ",
      h("engage-count", { target, theme: "auto", class: "count", "data-testid": "home-count" }),
    ),
  );
  const custom = h("input", { id: "custom-target", placeholder: "post:my-post", "data-testid": "custom-target" });
  replaceChildren(
    root,
    h("h1", {}, "Live engagement demo"),
    h("p", {}, "Likes, reactions and comments, live. Sign in with any name (development only) and open a target in two windows."),
    h("ul", { class: "targets", "data-testid": "targets" }, ...items),
    h(
      "form",
      {
        class: "inline-form",
        onsubmit: (event: Event) => {
          event.preventDefault();
          const value = custom.value.trim();
          if (value) location.hash = targetHref(value);
        },
      },
      h("label", { for: "custom-target" }, "Open another target"),
      " ",
      custom,
      " ",
      h("button", { type: "submit" }, "Open"),
    ),
  );
  document.title = "Live engagement demo";
  return () => {};
}
