import { RoomSettings } from "../../../protocol/mini/comments";
import { MAX_COMMENT_LENGTH } from "../../../protocol/wire-constants";
import { button, el } from "../comments/dom";
import type { Panel, PanelContext } from "./kit";
import { fill } from "./messages";

type Settings = RoomSettings;
const SLOW_MODE_SECONDS = [0, 5, 10, 30, 60, 120];
const FILTERS = ["mask", "reject", "off"] as const;

/**
 * Every setting `PATCH /v1/targets/:target/settings` accepts. The controls show what the room
 * last announced (hello or `settings` event, so another moderator's change shows at once),
 * never a local guess: a PATCH answer overtaken by an announcement is older than it.
 */
export class SettingsPanel implements Panel {
  readonly key = "settings";
  readonly element = el("div", { part: "settings" });
  private readonly title = el("h3", { id: "settings-title", tabindex: "-1" });
  private readonly commentsOn = el("input", { type: "checkbox", "data-control": "comments-enabled" });
  private readonly membersOnly = el("input", { type: "checkbox", "data-control": "members-only" });
  private readonly slowMode = el("select", { "data-control": "slow-mode" });
  private readonly filter = el("select", { "data-control": "filter" });
  private readonly maxLength = el("input", { type: "number", min: "1", max: String(MAX_COMMENT_LENGTH), inputmode: "numeric", "data-control": "max-length" });
  private readonly reactions = el("input", { type: "text", autocomplete: "off", "data-control": "reactions" });
  private readonly emoteOnly = el("input", { type: "checkbox", "data-control": "emote-only" });
  private readonly uniqueChat = el("input", { type: "checkbox", "data-control": "unique-chat" });
  private readonly newcomerWait = el("input", { type: "number", min: "0", max: String(7 * 24 * 60), inputmode: "numeric", "data-control": "newcomer-wait" });
  private readonly editWindow = el("input", { type: "number", min: "0", max: "60", inputmode: "numeric", "data-control": "edit-window" });
  private readonly premoderation = el("input", { type: "checkbox", "data-control": "premoderation" });
  private readonly newcomerLink = el("input", { type: "number", min: "0", max: String(7 * 24 * 60), inputmode: "numeric", "data-control": "newcomer-link" });
  private readonly hideAfter = el("input", { type: "number", min: "0", max: "100", inputmode: "numeric", "data-control": "hide-after-reports" });
  private readonly publishDelay = el("input", { type: "number", min: "0", max: "120", inputmode: "numeric", "data-control": "publish-delay" });
  private readonly labels = {
    comments: el("span", {}),
    members: el("span", {}),
    slow: el("span", {}),
    filter: el("span", {}),
    max: el("span", {}),
    reactions: el("span", {}),
    emote: el("span", {}),
    unique: el("span", {}),
    newcomer: el("span", {}),
    edit: el("span", {}),
    premoderation: el("span", {}),
    newcomerLink: el("span", {}),
    hideAfter: el("span", {}),
    publishDelay: el("span", {}),
  };
  private readonly saveReactions: HTMLButtonElement;
  private settings: Settings | null = null;
  private announced = 0;

  constructor(private readonly ctx: PanelContext) {
    const l = this.labels;
    this.saveReactions = button("", { part: "action", "data-action": "save-reactions" }, () => void this.patch({ reactions: this.reactions.value.split(/\s+/).filter((r) => r !== "") }));
    this.element.append(
      this.title,
      el("label", {}, this.commentsOn, l.comments),
      el("label", {}, this.membersOnly, l.members),
      el("label", {}, l.slow, this.slowMode),
      el("label", {}, l.filter, this.filter),
      el("label", {}, l.max, this.maxLength),
      el("div", { part: "row" }, el("label", {}, l.reactions, this.reactions), this.saveReactions),
      el("label", {}, this.emoteOnly, l.emote),
      el("label", {}, this.uniqueChat, l.unique),
      el("label", {}, l.newcomer, this.newcomerWait),
      el("label", {}, l.edit, this.editWindow),
      el("label", {}, this.premoderation, l.premoderation),
      el("label", {}, l.newcomerLink, this.newcomerLink),
      el("label", {}, l.hideAfter, this.hideAfter),
      el("label", {}, l.publishDelay, this.publishDelay),
    );
    this.premoderation.addEventListener("change", () => void this.patch({ premoderation: this.premoderation.checked }));
    this.emoteOnly.addEventListener("change", () => void this.patch({ emoteOnly: this.emoteOnly.checked }));
    this.uniqueChat.addEventListener("change", () => void this.patch({ uniqueChat: this.uniqueChat.checked }));
    for (const [input, key] of [[this.newcomerWait, "newcomerWaitMinutes"], [this.editWindow, "editWindowMinutes"], [this.newcomerLink, "newcomerLinkMinutes"], [this.hideAfter, "hideAfterReports"], [this.publishDelay, "publishDelaySeconds"]] as const) {
      input.addEventListener("change", () => {
        if (input.checkValidity() && input.value !== "") void this.patch({ [key]: Number(input.value) });
        else this.ctx.say(this.ctx.t().invalid_request);
      });
    }
    this.commentsOn.addEventListener("change", () => void this.patch({ commentsEnabled: this.commentsOn.checked }));
    this.membersOnly.addEventListener("change", () => void this.patch({ membersOnly: this.membersOnly.checked }));
    this.slowMode.addEventListener("change", () => void this.patch({ slowModeSeconds: Number(this.slowMode.value) }));
    this.filter.addEventListener("change", () => {
      const mode = FILTERS.find((f) => f === this.filter.value);
      if (mode !== undefined) void this.patch({ filter: mode });
    });
    this.maxLength.addEventListener("change", () => {
      if (this.maxLength.checkValidity() && this.maxLength.value !== "") void this.patch({ maxCommentLength: Number(this.maxLength.value) });
      else this.ctx.say(this.ctx.t().invalid_request);
    });
    this.reactions.addEventListener("keydown", (event) => {
      if (event.key === "Enter") this.saveReactions.click();
    });
    this.relabel();
  }

  tabLabel(): string {
    return this.ctx.t().settingsTab;
  }

  busy(): boolean {
    return false;
  }

  /** The settings arrive with every hello and `settings` event: nothing to read. */
  async load(): Promise<void> {}

  /** What the room announced. */
  announce(next: Settings): void {
    this.announced += 1;
    this.show(next);
  }

  relabel(): void {
    const t = this.ctx.t();
    const l = this.labels;
    this.title.textContent = t.settingsTitle;
    l.comments.textContent = t.commentsOn;
    l.members.textContent = t.membersOnly;
    l.slow.textContent = t.slowMode;
    l.filter.textContent = t.filter;
    l.max.textContent = t.maxLength;
    l.reactions.textContent = t.reactions;
    l.emote.textContent = t.emoteOnly;
    l.unique.textContent = t.uniqueChat;
    l.newcomer.textContent = t.newcomerWait;
    l.edit.textContent = t.editWindow;
    l.premoderation.textContent = t.premoderation;
    l.newcomerLink.textContent = t.newcomerLink;
    l.hideAfter.textContent = t.hideAfterReports;
    l.publishDelay.textContent = t.publishDelay;
    this.saveReactions.textContent = t.save;
    this.filter.replaceChildren(...FILTERS.map((f) => el("option", { value: f }, f === "mask" ? t.filterMask : f === "reject" ? t.filterReject : t.filterOff)));
    if (this.settings !== null) this.show(this.settings);
  }

  private show(next: Settings): void {
    const t = this.ctx.t();
    this.settings = next;
    this.commentsOn.checked = next.commentsEnabled;
    this.membersOnly.checked = next.membersOnly;
    this.emoteOnly.checked = next.emoteOnly;
    this.uniqueChat.checked = next.uniqueChat;
    const choices = SLOW_MODE_SECONDS.includes(next.slowModeSeconds) ? SLOW_MODE_SECONDS : [...SLOW_MODE_SECONDS, next.slowModeSeconds].sort((a, b) => a - b);
    this.slowMode.replaceChildren(...choices.map((s) => el("option", { value: String(s) }, s === 0 ? t.off : fill(t.seconds, this.ctx.locale(), { n: s }))));
    this.slowMode.value = String(next.slowModeSeconds);
    this.filter.value = next.filter;
    // A field being edited keeps what the moderator is typing.
    const root = this.element.getRootNode();
    const editing = root instanceof ShadowRoot || root instanceof Document ? root.activeElement : null;
    if (editing !== this.maxLength) this.maxLength.value = String(next.maxCommentLength);
    if (editing !== this.reactions) this.reactions.value = next.reactions.join(" ");
    if (editing !== this.newcomerWait) this.newcomerWait.value = String(next.newcomerWaitMinutes);
    if (editing !== this.editWindow) this.editWindow.value = String(next.editWindowMinutes);
    this.premoderation.checked = next.premoderation;
    if (editing !== this.newcomerLink) this.newcomerLink.value = String(next.newcomerLinkMinutes);
    if (editing !== this.hideAfter) this.hideAfter.value = String(next.hideAfterReports);
    if (editing !== this.publishDelay) this.publishDelay.value = String(next.publishDelaySeconds);
  }

  private async patch(change: Partial<Settings>): Promise<void> {
    const before = this.announced;
    try {
      const answer = await this.ctx.api.write("PATCH", "/settings", change, RoomSettings);
      // The room announces every change in order: anything announced meanwhile is newer.
      if (this.announced === before) this.show(answer);
      this.ctx.say(this.ctx.t().saved);
      this.ctx.done("settings");
    } catch (error) {
      if (this.settings !== null) this.show(this.settings);
      this.ctx.say(this.ctx.errorText(error));
    }
  }
}
