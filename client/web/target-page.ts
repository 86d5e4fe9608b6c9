import type { EventFrame, HelloFrame } from "../../protocol/live";
import type { RoomSettings, TargetInfo } from "../../protocol/moderation";
import { connect, type LiveConnection } from "../live";
import { announce } from "./announcer";
import { describeError, type PageApi } from "./api";
import { CommentsView } from "./comments-view";
import type { ConnectionStatus } from "./connection-status";
import { h, replaceChildren, setText } from "./dom";
import { LikeButton } from "./like-button";
import { ModerationPanel } from "./moderation-panel";
import { onNetworkChange, whenOnline } from "./network";
import { ReactionBar } from "./reaction-bar";
import type { SessionStore } from "./session";
import { LikeSparkline } from "./sparkline";

export interface PageDeps {
  baseUrl: string;
  api: PageApi;
  session: SessionStore;
  status: ConnectionStatus;
}

/** A ping every 10 s finds a silently dead socket within ~20 s (the SDK's heartbeat timeout). */
const PING_INTERVAL_MS = 10_000;
const HISTORY_REFRESH_MS = 30_000;

/**
 * The page of one target: like, reactions, viewers, sparkline, comments and, for the owner and
 * moderators, the room controls. Returns a function that tears it down (socket, timers).
 */
export function mountTargetPage(root: HTMLElement, target: string, deps: PageDeps): () => void {
  const { api, session, status } = deps;
  let live: LiveConnection | null = null;
  let info: TargetInfo | null = null;
  let settings: RoomSettings | null = null;
  let reactionCounts: Record<string, number> = {};
  /** Highest event seq applied; events at or below it are duplicates (the room sends in seq order). */
  let appliedSeq = -1;

  const userId = () => session.current?.userId ?? null;
  const canModerate = () => {
    const me = userId();
    return me !== null && info !== null && (info.owner === me || info.moderators.includes(me));
  };

  const title = h("h1", { "data-testid": "target-title" }, target);
  const viewers = h("span", { class: "viewers", "data-testid": "viewers" }, "–");
  const like = new LikeButton(() => live, () => userId() !== null);
  const reactions = new ReactionBar(() => live, () => userId() !== null);
  const sparkline = new LikeSparkline();
  const moderation = new ModerationPanel(target, api);
  const comments = new CommentsView({ target, api, live: () => live, userId, canModerate });
  const ownership = h("div", { class: "ownership", "data-testid": "ownership" });

  replaceChildren(
    root,
    h("p", {}, h("a", { href: "#/" }, "← All targets")),
    title,
    h("div", { class: "engagement" }, like.element, h("span", { class: "viewers-box" }, viewers, " watching"), sparkline.element),
    reactions.element,
    ownership,
    moderation.element,
    comments.element,
  );

  const applySettings = (next: RoomSettings) => {
    const emojiChanged = settings === null || settings.reactions.join(" ") !== next.reactions.join(" ");
    settings = next;
    moderation.setSettings(next);
    if (emojiChanged) reactions.reset(next.reactions, reactionCounts);
  };

  const onHello = (hello: HelloFrame) => {
    status.onHello(hello);
    if (hello.resync || appliedSeq < 0) appliedSeq = hello.seq;
    like.setCount(hello.count, hello.seq);
    sparkline.resetCount(hello.count);
    setText(viewers, String(hello.viewers));
    reactionCounts = { ...hello.reactions };
    settings = null; // counts may have moved while away: rebuild the bar from this snapshot
    applySettings(hello.settings);
    comments.onHello(hello);
  };

  const onEvent = (frame: EventFrame) => {
    if (frame.seq <= appliedSeq) return;
    appliedSeq = frame.seq;
    const event = frame.event;
    if (event.kind === "like" || event.kind === "unlike") {
      like.setCount(event.count, frame.seq);
    } else if (event.kind === "reaction" && event.commentId === null) {
      reactionCounts[event.emoji] = event.count;
      reactions.setCount(event.emoji, event.count);
    } else if (event.kind === "settings") {
      applySettings(event.settings);
    }
    comments.onEvent(frame);
  };

  const openLive = () => {
    live?.close();
    appliedSeq = -1;
    live = connect(target, {
      baseUrl: deps.baseUrl,
      token: async () => {
        await whenOnline();
        return session.token();
      },
      pingIntervalMs: PING_INTERVAL_MS,
      onHello,
      onEvent,
      onCount: (count, seq) => {
        like.setCount(count, seq);
        sparkline.observeCount(count);
      },
      onViewers: (n) => setText(viewers, String(n)),
      onStatus: (s) => status.onSocketStatus(s),
      onError: (error) => announce(`Live connection: ${error.message}`),
    });
  };

  const loadInfo = async () => {
    try {
      info = await api.targetInfo(target);
    } catch {
      info = null;
    }
    if (info?.title) setText(title, info.title);
    renderOwnership();
    moderation.show(canModerate());
    comments.refreshPermissions();
  };

  const renderOwnership = () => {
    const me = userId();
    if (info === null || info.owner !== null || me === null) {
      replaceChildren(ownership, info?.owner ? h("p", { class: "hint" }, `Owner: ${info.owner}`) : null);
      return;
    }
    replaceChildren(
      ownership,
      h(
        "button",
        {
          type: "button",
          "data-testid": "claim",
          onclick: async () => {
            try {
              info = await api.registerTarget(target, target);
              announce("You own this target now");
              await loadInfo();
            } catch (error) {
              announce(`Could not claim: ${describeError(error)}`);
            }
          },
        },
        "Claim this target (become its owner)",
      ),
    );
  };

  const loadLiked = async () => {
    const me = userId();
    if (me === null) {
      like.setLiked(null);
      return;
    }
    const stamp = like.statusReadStamp();
    try {
      like.setLiked((await api.rest.likeStatus(me, target)).liked, stamp);
    } catch {
      like.setLiked(null, stamp);
    }
  };

  const loadHistory = async () => {
    try {
      sparkline.setHistory(await api.likeSeries(target));
    } catch {
      // The live part of the sparkline still works; history returns on the next refresh.
    }
  };

  const stopSession = session.onChange(() => {
    // A new identity needs a new socket: the room reads the user from the ticket it connected with.
    live?.reconnect();
    void loadLiked();
    void loadInfo();
  });
  const stopNetwork = onNetworkChange((online) => {
    status.onNetwork(online);
    if (!online) live?.reconnect();
  });
  const historyTimer = setInterval(() => {
    void loadHistory();
    sparkline.render();
  }, HISTORY_REFRESH_MS);

  openLive();
  void comments.reload();
  void loadLiked();
  void loadInfo();
  void loadHistory();
  document.title = `${target} · live`;

  return () => {
    stopSession();
    stopNetwork();
    clearInterval(historyTimer);
    live?.close();
    live = null;
  };
}

