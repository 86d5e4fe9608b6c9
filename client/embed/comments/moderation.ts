import type * as Rest from "../../../protocol/mini/comments";
import type { Ban, Comment, RoomSettings } from "../../../protocol/mini/comments";
import type { Api } from "./api";
import type * as Dom from "./dom";
import type { CommentMessages, fill } from "./messages";

/**
 * The moderation tools: a chunk the section imports only once the viewer is the target's
 * owner or one of its moderators, so a reader's page never loads it. Per comment: pin,
 * highlight, time the author out for a chosen duration, ban. For the room: comments on/off,
 * slow mode, members-only, and the ban list with unban. The controls show the settings the
 * room last announced (hello or `settings` event), never a local guess.
 */
export interface ModerationContext {
  api: Api;
  kit: ModerationKit;
  t(): CommentMessages;
  locale(): string;
  say(text: string): void;
  errorText(error: unknown): string;
  pinned(): Comment | null;
  onPinned(comment: Comment | null): void;
  onHighlighted(comment: Comment): void;
}

/**
 * What the section lends this chunk rather than the chunk importing it: the DOM helpers, `fill`
 * and the schemas of the answers read here. Any module imported here as well as by the section
 * would go into a third file, shared by both, that every reader loads; apart, the section is one
 * file, which gzips about 500 B smaller (docs/embed.md "Size"). Types only are imported.
 */
export interface ModerationKit {
  el: typeof Dom.el;
  button: typeof Dom.button;
  fill: typeof fill;
  schemas: Pick<typeof Rest, "Ban" | "BansResponse" | "Comment" | "LiftBanResponse" | "PinResponse" | "RoomSettings">;
}

export interface Moderation {
  panel: { element: HTMLElement; show(settings: RoomSettings): void };
  tools(comment: Comment): Node;
  unpinButton(): HTMLButtonElement;
  relabel(): void;
}

const SLOW_MODE_SECONDS = [0, 5, 10, 30, 60, 120];
/** Timeout choices, in seconds: 10 minutes, an hour, a day, a week. */
const TIMEOUTS = [600, 3_600, 86_400, 604_800];

export function moderation(ctx: ModerationContext): Moderation {
  const { api, kit } = ctx;
  const { el, button, fill, schemas } = kit;
  const when = (iso: string) => new Date(iso).toLocaleString(ctx.locale(), { dateStyle: "medium", timeStyle: "short" });
  const duration = (seconds: number) => {
    const t = ctx.t();
    if (seconds < 3_600) return fill(t.minutes, ctx.locale(), { n: seconds / 60 });
    if (seconds < 86_400) return fill(t.hours, ctx.locale(), { n: seconds / 3_600 });
    return fill(t.days, ctx.locale(), { n: seconds / 86_400 });
  };
  const act = async (work: () => Promise<string>) => {
    try {
      ctx.say(await work());
    } catch (error) {
      ctx.say(ctx.errorText(error));
    }
  };

  // The room's controls.
  const element = el("fieldset", { part: "moderation-panel" });
  const legend = el("legend", {});
  const commentsOn = el("input", { type: "checkbox", "data-control": "comments-enabled" });
  const membersOnly = el("input", { type: "checkbox", "data-control": "members-only" });
  const slowMode = el("select", { "data-control": "slow-mode" });
  const commentsLabel = el("span", {});
  const membersLabel = el("span", {});
  const slowLabel = el("span", {});
  const bansToggle = el("button", { type: "button", part: "action", "aria-expanded": "false", "data-control": "show-bans" });
  const bansList = el("ul", { part: "bans", hidden: "" });
  let settings: RoomSettings | null = null;
  /** Settings the room announced; a PATCH answer overtaken by an announcement is older than it. */
  let announced = 0;
  element.append(
    legend,
    el("label", {}, commentsOn, commentsLabel),
    el("label", {}, slowLabel, slowMode),
    el("label", {}, membersOnly, membersLabel),
    bansToggle,
    bansList,
  );
  const patch = (change: Partial<RoomSettings>) =>
    act(async () => {
      const before = announced;
      try {
        const answer = await api.write("PATCH", "/settings", change, schemas.RoomSettings);
        // The room announces every change, this one included, in order: once anything was
        // announced meanwhile, that is newer than this answer (another moderator may have
        // changed something after us). Without one (socket away), the answer is the news.
        if (announced === before) show(answer);
      } catch (error) {
        if (settings !== null) show(settings);
        throw error;
      }
      return ctx.t().saved;
    });
  commentsOn.addEventListener("change", () => void patch({ commentsEnabled: commentsOn.checked }));
  membersOnly.addEventListener("change", () => void patch({ membersOnly: membersOnly.checked }));
  slowMode.addEventListener("change", () => void patch({ slowModeSeconds: Number(slowMode.value) }));

  const show = (next: RoomSettings) => {
    settings = next;
    commentsOn.checked = next.commentsEnabled;
    membersOnly.checked = next.membersOnly;
    const choices = SLOW_MODE_SECONDS.includes(next.slowModeSeconds) ? SLOW_MODE_SECONDS : [...SLOW_MODE_SECONDS, next.slowModeSeconds].sort((a, b) => a - b);
    slowMode.replaceChildren(...choices.map((s) => el("option", { value: String(s) }, s === 0 ? ctx.t().off : fill(ctx.t().seconds, ctx.locale(), { n: s }))));
    slowMode.value = String(next.slowModeSeconds);
  };

  const renderBans = (bans: readonly Ban[]) => {
    const t = ctx.t();
    bansList.replaceChildren(
      ...(bans.length === 0
        ? [el("li", {}, t.noBans)]
        : bans.map((ban) =>
            el(
              "li",
              { part: "row", "data-user": ban.userId },
              el("span", { dir: "auto" }, ban.userId),
              el("span", { part: "hint" }, ban.until === null ? t.forever : fill(t.until, ctx.locale(), { time: when(ban.until) })),
              button(t.unban, { part: "action", "data-action": "unban" }, () =>
                void act(async () => {
                  await api.write("DELETE", `/bans/${encodeURIComponent(ban.userId)}`, undefined, schemas.LiftBanResponse);
                  await loadBans();
                  bansToggle.focus();
                  return fill(t.unbanned, ctx.locale(), { name: ban.userId });
                }),
              ),
            ),
          )),
    );
  };
  // Moderators only: read with the token.
  const loadBans = async () => renderBans((await api.write("GET", "/bans", undefined, schemas.BansResponse)).bans);
  bansToggle.addEventListener("click", () => {
    const open = bansList.hidden;
    bansList.hidden = !open;
    bansToggle.setAttribute("aria-expanded", String(open));
    if (open) void loadBans().catch((error: unknown) => ctx.say(ctx.errorText(error)));
  });

  const relabel = () => {
    const t = ctx.t();
    legend.textContent = t.moderation;
    commentsLabel.textContent = t.commentsOn;
    membersLabel.textContent = t.membersOnly;
    slowLabel.textContent = t.slowModeLabel;
    bansToggle.textContent = t.showBans;
    if (settings !== null) show(settings);
  };
  relabel();

  const pin = (comment: Comment | null) =>
    act(async () => {
      const answer = comment === null ? await api.write("DELETE", "/pin", undefined, schemas.PinResponse) : await api.write("PUT", "/pin", { commentId: comment.id }, schemas.PinResponse);
      ctx.onPinned(answer.pinned);
      return answer.pinned === null ? ctx.t().unpinnedDone : ctx.t().pinnedDone;
    });

  const ban = (comment: Comment, seconds: number | null) =>
    act(async () => {
      const userId = comment.author.id ?? "";
      const made = await api.write("POST", "/bans", { userId, ...(seconds === null ? {} : { durationSeconds: seconds }) }, schemas.Ban);
      if (!bansList.hidden) await loadBans();
      const t = ctx.t();
      return made.until === null ? fill(t.bannedUser, ctx.locale(), { name: comment.author.name }) : fill(t.timedOut, ctx.locale(), { name: comment.author.name, time: when(made.until) });
    });

  return {
    panel: {
      element,
      show: (next) => {
        announced += 1;
        show(next);
      },
    },
    relabel,
    unpinButton: () => button(ctx.t().unpin, { part: "action", "data-action": "unpin" }, () => void pin(null)),
    tools(comment) {
      const t = ctx.t();
      const tools = el("span", { part: "moderation-tools row" });
      const isPinned = ctx.pinned()?.id === comment.id;
      tools.append(
        button(isPinned ? t.unpin : t.pin, { part: "action", "data-action": "pin" }, () => void pin(isPinned ? null : comment)),
        button(comment.highlighted ? t.unhighlight : t.highlight, { part: "action", "data-action": "highlight" }, () =>
          void act(async () => {
            const changed = await api.write("POST", `/comments/${encodeURIComponent(comment.id)}/highlight`, { highlighted: !comment.highlighted }, schemas.Comment);
            ctx.onHighlighted(changed);
            return changed.highlighted ? t.highlightedDone : t.unhighlightedDone;
          }),
        ),
      );
      if (comment.author.id !== null) {
        const choice = el("select", { "data-action": "duration", "aria-label": t.duration }, ...TIMEOUTS.map((s) => el("option", { value: String(s) }, duration(s))));
        tools.append(
          choice,
          button(t.timeout, { part: "action", "data-action": "timeout" }, () => void ban(comment, Number(choice.value))),
          button(t.ban, { part: "action danger", "data-action": "ban" }, () => void ban(comment, null)),
        );
      }
      return tools;
    },
  };
}
