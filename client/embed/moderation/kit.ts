import type { Api } from "../comments/api";
import { button, el } from "../comments/dom";
import type { ModerationMessages } from "./messages";

/** What every tab's panel gets from the view: the API, words, and the one status region. */
export interface PanelContext {
  api: Api;
  t(): ModerationMessages;
  locale(): string;
  /** Said in the view's own status region (and shown). */
  say(text: string): void;
  errorText(error: unknown): string;
  /** `engage-moderated` on the element, for the host page. */
  done(action: string, detail?: Record<string, string>): void;
}

export interface Panel {
  readonly key: "held" | "reports" | "bans" | "settings" | "terms" | "log" | "people";
  readonly element: HTMLElement;
  tabLabel(): string;
  /** Reads the panel's list again; the focused control, if redrawn, keeps focus. */
  load(): Promise<void>;
  relabel(): void;
  /** A confirmation is open: a background re-read would take it away. */
  busy(): boolean;
}

export function codeOf(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") return error.code;
  return "failed";
}

export const when = (iso: string | number, locale: string) => new Date(iso).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });

/**
 * Redraws `container` with `draw`; focus that was on a control the redraw replaced goes to the
 * control with the same `data-key` after, else to `fallback` (never to <body>).
 */
export function redraw(container: HTMLElement, draw: () => void, fallback?: () => HTMLElement | null): void {
  const root = container.getRootNode();
  const focusedNow = () => (root instanceof ShadowRoot || root instanceof Document ? root.activeElement : null);
  const active = focusedNow();
  if (!(active instanceof HTMLElement) || !container.contains(active)) {
    draw();
    return;
  }
  const key = active.dataset.key;
  draw();
  // A control the redraw kept (the form above a list) keeps its focus.
  if (focusedNow() === active) return;
  const again = key === undefined ? null : container.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`);
  (again ?? fallback?.())?.focus();
}

/**
 * Asks in place before a destructive action: `slot` shows the question with Confirm and
 * Cancel, Confirm takes focus; Cancel (or Escape) puts things back and focus on `origin`.
 */
export function confirmIn(slot: HTMLElement, origin: HTMLElement, t: ModerationMessages, question: string, run: () => void): void {
  const close = () => {
    slot.replaceChildren();
    origin.focus();
  };
  const yes = button(t.confirm, { part: "action danger", "data-action": "confirm" }, () => {
    slot.replaceChildren();
    run();
  });
  const box = el("div", { part: "confirm row", role: "group", "aria-label": question, "data-confirm": "" }, el("span", { part: "question" }, question), yes, button(t.cancel, { part: "action", "data-action": "cancel" }, close));
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      close();
    }
  });
  slot.replaceChildren(box);
  yes.focus();
}

/**
 * Where focus goes once the row of the `selector` button keyed `key` is gone: the next row's
 * button, else the previous one's, else `fallback`. Read before the list changes; the answer
 * moves focus after the redraw.
 */
export function focusAfterRemoval(container: HTMLElement, selector: string, key: string, fallback: HTMLElement): () => void {
  const buttons = [...container.querySelectorAll<HTMLElement>(selector)];
  const at = buttons.findIndex((b) => b.dataset.key === key);
  const nextKey = (buttons[at + 1] ?? buttons[at - 1])?.dataset.key;
  return () => ((nextKey === undefined ? null : container.querySelector<HTMLElement>(`[data-key="${CSS.escape(nextKey)}"]`)) ?? fallback).focus();
}

/** A panel's heading, focusable so focus has somewhere to go when its list empties. */
export const heading = (id: string) => el("h3", { id, tabindex: "-1" });

/**
 * A tab whose code is its own chunk: the view's first load carries only the tabs a moderator
 * opens most (held, reports, settings) and stays within its budget (scripts/embed-size.mjs).
 * The view fetches the chunks (`ready`) once it shows its tabs, so a tab opened later is there.
 */
export function lazyPanel(key: Panel["key"], label: () => string, make: () => Promise<Panel>): Panel & { ready(): Promise<Panel> } {
  let panel: Promise<Panel> | undefined;
  let made: Panel | undefined;
  const element = el("div", {});
  const ready = () => (panel ??= make().then((p) => ((made = p), element.replaceChildren(p.element), p)));
  return {
    key,
    element,
    ready,
    tabLabel: label,
    busy: () => made?.busy() ?? false,
    relabel: () => made?.relabel(),
    load: async () => (await ready()).load(),
  };
}
