import type { TargetInfo } from "../../protocol/moderation";
import { announce } from "./announcer";
import { describeError, type PageApi } from "./api";
import type { ConnectionStatus } from "./connection-status";
import { h, plural, replaceChildren, setText } from "./dom";
import { hubFor } from "./elements";
import { DEMO_TARGETS } from "./home-page";
import { onNetworkChange } from "./network";
import type { SessionStore } from "./session";
import { LikeSparkline } from "./sparkline";

export interface PageDeps {
  baseUrl: string;
  api: PageApi;
  session: SessionStore;
  status: ConnectionStatus;
}

const HISTORY_REFRESH_MS = 30_000;

/** A demo target's title from the home page, for a target that was never registered with one. */
const demoTitle = (target: string) => DEMO_TARGETS.find((d) => d.target === target)?.title ?? null;

/**
 * The page of one target: the embed's like, reactions, viewer and comment elements (the
 * comment section holds the per-comment moderation tools), <engage-moderation> for the room's
 * owner and moderators, the sparkline and the claim button. Everything live comes over the embed's one socket for this target
 * (client/embed/hub.ts), so a visitor is one viewer.
 * Returns a function that tears it down.
 */
export function mountTargetPage(root: HTMLElement, target: string, deps: PageDeps): () => void {
  const { api, session, status } = deps;
  const hub = hubFor(new URL(deps.baseUrl).origin, target);
  let info: TargetInfo | null = null;

  const userId = () => session.current?.userId ?? null;

  const titleText = () => info?.title ?? demoTitle(target) ?? target;
  const title = h("h1", { "data-testid": "target-title" }, titleText());
  const element = <K extends "engage-like" | "engage-reactions" | "engage-viewers" | "engage-comments" | "engage-moderation">(tag: K, testId: string) =>
    h(tag, { target, theme: "auto", "data-testid": testId });
  const like = element("engage-like", "like");
  const reactions = element("engage-reactions", "reactions");
  const viewers = element("engage-viewers", "viewers");
  const sparkline = new LikeSparkline();
  const comments = element("engage-comments", "comments");
  const ownership = h("div", { class: "ownership", "data-testid": "ownership" });
  // The room's moderation (reports, bans, settings, terms, the mod log) in its own region, for
  // its owner and moderators only: a reader's page never loads the view's file.
  const moderationPanel = h("div", { class: "moderation-panel", "data-testid": "moderation-panel" });

  like.addEventListener("engage-liked", (event) => {
    const detail = (event as CustomEvent<{ liked: boolean; count: number }>).detail;
    announce(`${detail.liked ? "You like this" : "You do not like this"}. ${plural(detail.count, "like", "likes")}`);
  });

  replaceChildren(
    root,
    h("p", {}, h("a", { href: "#/", class: "back" }, "← All targets")),
    title,
    h("div", { class: "engagement" }, like, viewers, sparkline.element),
    reactions,
    ownership,
    moderationPanel,
    comments,
  );

  const stopFrames = hub.onFrame((frame) => {
    if (frame.type !== "hello") return;
    status.onHello(frame);
    sparkline.resetCount(frame.count);
    // A reconnect may follow a claim by someone else: the owner line catches up with it.
    void loadInfo();
  });
  let lastStatus = hub.state.status;
  const stopHub = hub.subscribe(() => {
    // The chart follows the count itself (frames, events, acks alike), so it agrees with it.
    if (hub.state.count !== null) sparkline.observeCount(hub.state.count);
    if (hub.state.status !== lastStatus) {
      lastStatus = hub.state.status;
      status.onSocketStatus(lastStatus === "offline" ? "reconnecting" : lastStatus);
    }
  });

  // A hub kept from a moment ago (this target's page left and came back within the hub's close
  // grace) said its hello before these listeners: a fresh one sets the status.
  if (hub.state.status === "open") hub.reconnect();

  const loadInfo = async () => {
    try {
      info = await api.targetInfo(target);
    } catch {
      // Unknown for now: the last answer stays.
    }
    setText(title, titleText());
    document.title = `${titleText()} · live`;
    renderOwnership();
    renderModeration();
  };

  let moderation: HTMLElement | null = null;
  const renderModeration = () => {
    const me = userId();
    const moderates = me !== null && info !== null && (info.owner === me || info.moderators.includes(me));
    if (moderates && moderation === null) {
      moderation = element("engage-moderation", "moderation");
      replaceChildren(moderationPanel, moderation);
    } else if (!moderates && moderation !== null) {
      moderation = null;
      replaceChildren(moderationPanel);
    }
  };

  const renderOwnership = () => {
    const me = userId();
    if (info === null || info.owner !== null || me === null) {
      replaceChildren(ownership, info?.owner ? h("p", { class: "hint", "data-testid": "owner" }, `Owner: ${info.owner}`) : null);
      return;
    }
    const claim = h(
      "button",
      {
        type: "button",
        "data-testid": "claim",
        onclick: async () => {
          claim.disabled = true;
          try {
            info = await api.registerTarget(target, titleText());
            announce("You own this target now");
            // The room sends no event when its owner changes; the comment section reads the
            // target's staff on every hello, so a fresh one gives the new owner the tools.
            hub.reconnect();
          } catch (error) {
            // Most often someone claimed it first: the owner line replaces the button below.
            announce(`Could not claim: ${describeError(error)}`);
          }
          await loadInfo();
          // The button is gone either way: focus stays in this part of the page, not on <body>.
          title.focus();
        },
      },
      "Claim this target (become its owner)",
    );
    replaceChildren(ownership, claim);
  };

  const loadHistory = async () => {
    try {
      sparkline.setHistory(await api.likeSeries(target));
    } catch {
      // The live part of the sparkline still works; history returns on the next refresh.
    }
  };

  const stopSession = session.onChange(() => void loadInfo());
  // The hub's socket drops itself when the browser goes offline; the status line says why.
  const stopNetwork = onNetworkChange((online) => status.onNetwork(online));
  const historyTimer = setInterval(() => {
    void loadHistory();
    sparkline.render();
  }, HISTORY_REFRESH_MS);

  void loadInfo();
  void loadHistory();
  document.title = `${titleText()} · live`;

  return () => {
    stopSession();
    stopNetwork();
    stopFrames();
    stopHub();
    clearInterval(historyTimer);
  };
}
