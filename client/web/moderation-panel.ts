import type { RoomSettings } from "../../protocol/moderation";
import { announce } from "./announcer";
import { describeError, type PageApi } from "./api";
import { h, replaceChildren } from "./dom";

const SLOW_MODE_CHOICES = [0, 5, 10, 30, 60, 120] as const;

/**
 * Room controls for the owner and moderators: comments on/off and slow mode. Per-comment
 * actions (delete, pin, ban) sit on each comment. The controls show the room's settings as
 * the server last announced them (hello or `settings` event), never a local guess.
 */
export class ModerationPanel {
  readonly element = h("section", { class: "moderation", "aria-labelledby": "moderation-heading", hidden: true, "data-testid": "moderation" });
  private readonly commentsToggle: HTMLInputElement;
  private readonly slowMode: HTMLSelectElement;
  private settings: RoomSettings | null = null;
  /** Settings the room announced; a PATCH answer overtaken by an announcement is older than it. */
  private announced = 0;

  constructor(
    private readonly target: string,
    private readonly api: PageApi,
  ) {
    this.commentsToggle = h("input", { type: "checkbox", id: "comments-enabled", "data-testid": "comments-enabled" });
    this.commentsToggle.addEventListener("change", () => void this.patch({ commentsEnabled: this.commentsToggle.checked }));
    this.slowMode = h(
      "select",
      { id: "slow-mode", "data-testid": "slow-mode" },
      ...SLOW_MODE_CHOICES.map((s) => h("option", { value: s }, s === 0 ? "Off" : `${s} s`)),
    );
    this.slowMode.addEventListener("change", () => void this.patch({ slowModeSeconds: Number(this.slowMode.value) }));
    replaceChildren(
      this.element,
      h("h2", { id: "moderation-heading" }, "Moderation"),
      h("div", { class: "field" }, this.commentsToggle, " ", h("label", { for: "comments-enabled" }, "Comments on")),
      h("div", { class: "field" }, h("label", { for: "slow-mode" }, "Slow mode"), " ", this.slowMode),
      h("p", { class: "hint" }, "Delete, pin and ban are on each comment."),
    );
  }

  show(visible: boolean): void {
    this.element.hidden = !visible;
  }

  /** The room's settings as announced on the socket (hello or `settings` event, in seq order). */
  setSettings(settings: RoomSettings): void {
    this.announced += 1;
    this.render(settings);
  }

  private render(settings: RoomSettings): void {
    this.settings = settings;
    this.commentsToggle.checked = settings.commentsEnabled;
    const listed = SLOW_MODE_CHOICES.some((seconds) => seconds === settings.slowModeSeconds);
    if (!listed && this.slowMode.querySelector(`option[value="${settings.slowModeSeconds}"]`) === null) this.slowMode.append(h("option", { value: settings.slowModeSeconds }, `${settings.slowModeSeconds} s`));
    this.slowMode.value = String(settings.slowModeSeconds);
  }

  private async patch(patch: { commentsEnabled?: boolean; slowModeSeconds?: number }): Promise<void> {
    const announcedBefore = this.announced;
    try {
      const settings = await this.api.patchSettings(this.target, patch);
      // The room announces every change, this one included, in order: once anything was
      // announced meanwhile, the last announcement is newer than this answer (another
      // moderator may have changed something after us). Without one (socket away), it is news.
      if (this.announced === announcedBefore) this.render(settings);
      announce("Room settings saved");
    } catch (error) {
      if (this.settings !== null) this.render(this.settings);
      announce(`Could not change settings: ${describeError(error)}`);
    }
  }
}
