import { connect, type LiveConnection } from "../live";
import { announce } from "./announcer";
import { describeError, type PageApi } from "./api";
import { h, plural, replaceChildren, setText } from "./dom";
import { targetHref } from "./router";

/** The demo targets on the home page; any `kind:id` works at `#/t/<target>`. */
export const DEMO_TARGETS = [
  { target: "stream:demo", title: "Live stream: the demo show" },
  { target: "post:welcome", title: "Post: welcome to the live page" },
  { target: "game:final", title: "Game: the final" },
] as const;

/**
 * The demo targets with their like counts: one `POST /v1/counts/batch` for the first paint,
 * then a read-only live connection per target (no token: viewers need none) for updates.
 */
export function mountHomePage(root: HTMLElement, deps: { baseUrl: string; api: PageApi }): () => void {
  const counts = new Map<string, HTMLElement>();
  const seqs = new Map<string, number>();
  const connections: LiveConnection[] = [];

  const show = (target: string, count: number, seq: number) => {
    if (seq < (seqs.get(target) ?? -1)) return;
    seqs.set(target, seq);
    const element = counts.get(target);
    if (element !== undefined) setText(element, plural(count, "like", "likes"));
  };

  const items = DEMO_TARGETS.map(({ target, title }) => {
    const count = h("span", { class: "count", "data-testid": "home-count" }, "…");
    counts.set(target, count);
    return h(
      "li",
      { "data-target": target },
      h("a", { href: targetHref(target) }, title),
      " ",
      h("span", { class: "muted" }, target),
      " · ",
      count,
    );
  });
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

  const targets = DEMO_TARGETS.map((d) => d.target);
  deps.api.rest
    .batchCounts(targets)
    .then(({ counts: batch }) => {
      // The batch has no seq: it only fills targets no live count reached yet.
      for (const target of targets) if (!seqs.has(target)) show(target, batch[target] ?? 0, -1);
    })
    .catch((error: unknown) => announce(`Could not load counts: ${describeError(error)}`));
  for (const target of targets) {
    connections.push(connect(target, { baseUrl: deps.baseUrl, onCount: (count, seq) => show(target, count, seq) }));
  }
  document.title = "Live engagement demo";
  return () => {
    for (const connection of connections) connection.close();
  };
}
