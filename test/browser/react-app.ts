import { createElement as h, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { EngageProvider, useComments, useLikes, useViewers } from "../../client/react";

/**
 * A small React app on another site's page (test/browser/react.test.ts), bundled by that test.
 * The test hands it the API, the target and the visitor's token through `engageTest` before the
 * page's scripts run (never in a URL). StrictMode mounts every effect twice, on purpose.
 */
interface Setup {
  api: string;
  target: string;
  token: string | null;
}
const page = globalThis as unknown as { engageTest: Setup; document: { getElementById(id: string): unknown } };
const { api, target, token } = page.engageTest;

function Post() {
  const likes = useLikes(target);
  const { viewers } = useViewers(target);
  const { comments } = useComments(target);
  return h(
    "article",
    null,
    h("p", { "data-testid": "likes" }, likes.count === null ? "…" : String(likes.count)),
    h("p", { "data-testid": "liked" }, String(likes.liked)),
    h("p", { "data-testid": "viewers" }, viewers === null ? "…" : String(viewers)),
    h("p", { "data-testid": "status" }, likes.status),
    h("button", { type: "button", onClick: () => void likes.toggle() }, "Like"),
    h(
      "ul",
      { "data-testid": "comments" },
      comments.map((comment) => h("li", { key: comment.id }, comment.text)),
    ),
  );
}

const root = createRoot(page.document.getElementById("root") as Parameters<typeof createRoot>[0]);
root.render(h(StrictMode, null, h(EngageProvider, { baseUrl: api, token }, h(Post))));
