import { readEvent, SectionHello } from "../../../protocol/mini/events";
import type { ShellFrame } from "../../../protocol/mini/shell-frame";
import { TargetInfo } from "../../../protocol/mini/comments";
import type { Chunk, Shown } from "../chunk-element";
import type { Hub } from "../hub";
import { Api } from "../comments/api";
import { button, el } from "../comments/dom";
import { HeldPanel } from "./held-panel";
import { codeOf, lazyPanel, type Panel, type PanelContext } from "./kit";
import { en, loadMessages, type ModerationMessages } from "./messages";
import { ReportsPanel } from "./reports-panel";
import type { SettingsPanel } from "./settings-panel";
import type { RoomSettings } from "../../../protocol/mini/comments";
import { MODERATION_CSS } from "./styles";

/**
 * How often the open tab's list is read again while the page is visible: a safety net. Every
 * change the tabs show comes as a frame to moderators (settings, comments, `held`, `report`,
 * and a `modlog` entry for each moderator's action), and the open tab reads again on it.
 */
const REFRESH_MS = 15_000;
/** Frames that come in bursts (a flood of deletions) cause one re-read. */
const SETTLE_MS = 300;
/** Mod log actions that change what the Bans tab lists. */
const SANCTIONS = new Set(["ban", "timeout", "unban", "restrict", "unrestrict"]);

/** Called by the v1 shell (../moderation.ts) once this build has loaded. */
export const mount: Chunk["mount"] = (root, hub, token) => new ModerationView(root, hub, token);

/**
 * `<engage-moderation target="...">`: the room's moderation in tabs (the held queue, reports, bans and
 * timeouts, settings, terms, the mod log, its people), for its owner and moderators. Anyone else sees a
 * short note; the server refuses them anyway. Follows the room over the page's one socket for
 * the target: settings as announced, comment changes re-read the open list, every hello (a
 * sign-in, a reconnect) reads the room's staff and the open list again.
 */
class ModerationView implements Shown {
  private t: ModerationMessages = en;
  private locale = "en";
  private readonly api: Api;
  private readonly heading = el("h2", { id: "moderation-heading", tabindex: "-1" });
  private readonly notice = el("p", { part: "notice", role: "status" });
  private readonly note = el("p", { part: "note" });
  private readonly tablist = el("div", { role: "tablist", part: "tabs" });
  private readonly body = el("div", { part: "body", hidden: "" });
  /** The Settings tab is its own chunk (kit.ts lazyPanel): the last announced settings wait here for it. */
  private settingsPanel: SettingsPanel | null = null;
  private announced: RoomSettings | null = null;
  private readonly reports: ReportsPanel;
  private readonly held: HeldPanel;
  private readonly panels: Panel[];
  private readonly lazy: ReturnType<typeof lazyPanel>[];
  private readonly tabs = new Map<Panel, HTMLButtonElement>();
  private readonly sheets = new Map<Panel, HTMLElement>();
  private selected: Panel;
  private info: TargetInfo | null = null;
  private infoKnown = false;
  private readonly stops: (() => void)[] = [];
  private settle: ReturnType<typeof setTimeout> | undefined;

  constructor(
    root: ShadowRoot,
    private readonly hub: Hub,
    token: () => Promise<string | null>,
  ) {
    this.api = new Api(hub.base, hub.target, token);
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(MODERATION_CSS);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    const ctx: PanelContext = {
      api: this.api,
      t: () => this.t,
      locale: () => this.locale,
      say: (text) => this.say(text),
      errorText: (error) => this.errorText(error),
      done: (action, detail = {}) => root.host.dispatchEvent(new CustomEvent("engage-moderated", { bubbles: true, composed: true, detail: { action, target: hub.target, ...detail } })),
    };
    this.reports = new ReportsPanel(ctx);
    this.held = new HeldPanel(ctx);
    const t = () => this.t;
    const bans = lazyPanel("bans", () => t().bansTab, () => import("./bans-panel").then((m) => new m.BansPanel(ctx)));
    const terms = lazyPanel("terms", () => t().termsTab, () => import("./terms-panel").then((m) => new m.TermsPanel(ctx)));
    const log = lazyPanel("log", () => t().logTab, () => import("./log-panel").then((m) => new m.LogPanel(ctx)));
    const people = lazyPanel("people", () => t().peopleTab, () => import("./people-panel").then((m) => new m.PeoplePanel(ctx)));
    const settings = lazyPanel("settings", () => t().settingsTab, () =>
      import("./settings-panel").then((m) => {
        const panel = (this.settingsPanel = new m.SettingsPanel(ctx));
        if (this.announced !== null) panel.announce(this.announced);
        return panel;
      }),
    );
    this.lazy = [bans, settings, terms, log, people];
    this.panels = [this.held, this.reports, bans, settings, terms, log, people];
    this.selected = this.panels[0]!;
    for (const panel of this.panels) {
      const tab = button("", { role: "tab", id: `tab-${panel.key}`, "aria-controls": `panel-${panel.key}`, "data-tab": panel.key }, () => this.select(panel));
      const sheetEl = el("div", { role: "tabpanel", id: `panel-${panel.key}`, "aria-labelledby": `tab-${panel.key}`, tabindex: "0", part: `panel panel-${panel.key}` }, panel.element);
      this.tabs.set(panel, tab);
      this.sheets.set(panel, sheetEl);
      this.tablist.append(tab);
      this.body.append(sheetEl);
    }
    this.tablist.addEventListener("keydown", (event) => this.onTabKey(event));
    this.body.prepend(this.tablist);
    const section = el("section", { part: "moderation", "aria-labelledby": "moderation-heading" }, this.heading, this.notice, this.note, this.body);
    root.append(section);
    this.stops.push(() => section.remove());
    this.showSelected();
    this.relabel();

    this.stops.push(hub.onFrame((frame) => this.onFrame(frame)));
    // The hub's state changes (sign-in, sign-out, status) redraw who may see what.
    this.stops.push(hub.subscribe(() => this.renderRole()));
    if (hub.state.hello !== undefined) this.onFrame(hub.state.hello);
    const refresh = setInterval(() => {
      if (document.visibilityState === "visible" && this.canModerate() && !this.selected.busy()) void this.selected.load();
    }, REFRESH_MS);
    this.stops.push(() => clearInterval(refresh));
  }

  render(locale: string): void {
    void loadMessages(locale).then((messages) => {
      this.t = messages;
      this.locale = locale;
      this.relabel();
    });
  }

  stop(): void {
    clearTimeout(this.settle);
    for (const stop of this.stops.splice(0)) stop();
  }

  private canModerate(): boolean {
    const user = this.hub.state.user;
    return user !== null && this.info !== null && (user === this.info.owner || this.info.moderators.includes(user));
  }

  private say(text: string): void {
    // The same words twice are still news: cleared first so they are announced again.
    this.notice.textContent = "";
    requestAnimationFrame(() => (this.notice.textContent = text));
  }

  private errorText(error: unknown): string {
    const code = codeOf(error);
    const words = Object.entries(this.t).find(([key]) => key === code)?.[1];
    return typeof words === "string" ? words : this.t.failed;
  }

  private relabel(): void {
    this.heading.textContent = this.t.moderation;
    this.tablist.setAttribute("aria-label", this.t.tabs);
    for (const [panel, tab] of this.tabs) {
      tab.textContent = panel.tabLabel();
      panel.relabel();
    }
    this.renderRole();
  }

  private async readInfo(): Promise<void> {
    try {
      this.info = await this.api.read("", TargetInfo);
      this.announce(this.info.settings);
    } catch {
      this.info = null;
    }
    this.infoKnown = true;
    this.renderRole();
    if (this.canModerate()) void this.selected.load();
  }

  private renderRole(): void {
    const moderating = this.canModerate();
    const wasHidden = this.body.hidden;
    this.body.hidden = !moderating;
    this.note.hidden = moderating;
    this.note.textContent = !this.infoKnown ? this.t.loading : this.hub.state.user === null ? this.t.signInToModerate : this.t.moderatorsOnly;
    if (moderating && wasHidden) {
      void this.selected.load();
      for (const panel of this.lazy) void panel.ready();
    }
  }

  private announce(settings: RoomSettings): void {
    this.announced = settings;
    this.settingsPanel?.announce(settings);
  }

  /** The shell checked only what it reads (protocol/mini/shell-frame.ts); the rest is read here. */
  private onFrame(frame: ShellFrame): void {
    if (frame.type === "hello") {
      const hello = SectionHello.safeParse(frame);
      if (hello.success) this.announce(hello.data.settings);
      // The room sends no event when its owner or moderators change: each hello reads them.
      void this.readInfo();
      return;
    }
    if (frame.type !== "event" || frame.replay) return;
    const event = readEvent(frame.event);
    if (event === null) return;
    switch (event.kind) {
      case "settings":
        this.announce(event.settings);
        this.reread(["log"]);
        break;
      case "comment_deleted":
        this.reports.forget(event.id);
        this.reread(["reports", "log"]);
        break;
      case "pin":
      case "comment_highlight":
        this.reread(["log"]);
        break;
      // Sent to moderators only, one per new entry of the log: a sanction by any moderator also
      // changes the Bans tab's lists (bans, timeouts, restrictions).
      case "modlog":
        this.reread(SANCTIONS.has(event.entry.action) ? ["log", "bans"] : ["log"]);
        break;
      // Sent to moderators only: someone reported a comment.
      case "report":
        this.reread(["reports"]);
        break;
      // Both sent to moderators only: the queue follows them without a re-read.
      case "held":
        this.held.add(event.comment);
        break;
      case "held_resolved":
        this.held.drop(event.heldId);
        break;
      default:
        break;
    }
  }

  /** The open tab is read again (once per burst) if it is one of `keys`. */
  private reread(keys: Panel["key"][]): void {
    if (!keys.includes(this.selected.key) || !this.canModerate()) return;
    clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      if (!this.selected.busy()) void this.selected.load();
    }, SETTLE_MS);
  }

  private select(panel: Panel, focus = false): void {
    const changed = panel !== this.selected;
    this.selected = panel;
    this.showSelected();
    if (focus) this.tabs.get(panel)?.focus();
    if (changed) void panel.load();
  }

  private showSelected(): void {
    for (const panel of this.panels) {
      const on = panel === this.selected;
      const tab = this.tabs.get(panel);
      tab?.setAttribute("aria-selected", String(on));
      // Roving tabindex (ARIA tabs pattern): Tab reaches the selected tab, arrows the others.
      tab?.setAttribute("tabindex", on ? "0" : "-1");
      const sheetEl = this.sheets.get(panel);
      if (sheetEl !== undefined) sheetEl.hidden = !on;
    }
  }

  /** Arrows move between tabs and open the one reached (automatic activation); Home and End go to the ends. */
  private onTabKey(event: KeyboardEvent): void {
    const at = this.panels.indexOf(this.selected);
    const last = this.panels.length - 1;
    const rtl = getComputedStyle(this.tablist).direction === "rtl";
    const step: Record<string, number> = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 };
    let next: number | undefined;
    if (event.key in step) next = (at + (step[event.key] ?? 0) + this.panels.length) % this.panels.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = last;
    const panel = next === undefined ? undefined : this.panels[next];
    if (panel === undefined) return;
    event.preventDefault();
    this.select(panel, true);
  }
}
