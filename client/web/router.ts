import { TargetId } from "../../protocol/target";

export type Route = { page: "home" } | { page: "target"; target: string } | { page: "not-found"; path: string };

/** Hash routes (`#/`, `#/t/stream:demo`) so every page is index.html and needs no server routing. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  if (path === "/") return { page: "home" };
  const match = /^\/t\/(.+)$/.exec(path);
  if (match?.[1] !== undefined) {
    const target = TargetId.safeParse(decodeURIComponent(match[1]));
    if (target.success) return { page: "target", target: target.data };
  }
  return { page: "not-found", path };
}

export const targetHref = (target: string) => `#/t/${target}`;
