import { BatchCountResponse } from "../../protocol/mini/shell-frame";
import { MAX_BATCH_TARGETS } from "../../protocol/wire-constants";
import { liveCount, watchCounts } from "./hub";

/**
 * Every <engage-count> on a page reads through here: one batched `GET /v1/counts?targets=...`
 * (a plain GET: no preflight, and caches may keep it) for all the visible ones, again every
 * REFRESH_MS while any is in view. A target the page already holds a live socket for (a like
 * button of the same post) takes that socket's counts instead, live. No socket is opened
 * here, so a listing of fifty posts makes no one a viewer of fifty targets.
 */
export interface CountEntry {
  base: string;
  target: string;
  element: Element;
  show(count: number): void;
}

export const REFRESH_MS = 5_000;
/** Elements connected in the same moment (a listing rendering) share the first read. */
const GATHER_MS = 20;

const entries = new Set<CountEntry>();
const visible = new Set<CountEntry>();
const byElement = new Map<Element, CountEntry>();
let timer: ReturnType<typeof setTimeout> | undefined;
let observer: IntersectionObserver | undefined;

function schedule(delay: number): void {
  clearTimeout(timer);
  timer = setTimeout(() => void refresh(), delay);
}

async function refresh(): Promise<void> {
  // Nothing in view, or the tab hidden: no reads until something shows again.
  if (visible.size === 0 || document.hidden) return;
  const wanted = new Map<string, Set<string>>();
  for (const entry of visible) {
    const live = liveCount(entry.base, entry.target);
    if (live !== null) entry.show(live);
    else wanted.set(entry.base, (wanted.get(entry.base) ?? new Set()).add(entry.target));
  }
  await Promise.all(
    [...wanted].flatMap(([base, targets]) => {
      // Sorted, so every page listing the same targets asks the same URL (a cache hit).
      const sorted = [...targets].sort();
      const batches: string[][] = [];
      for (let i = 0; i < sorted.length; i += MAX_BATCH_TARGETS) batches.push(sorted.slice(i, i + MAX_BATCH_TARGETS));
      return batches.map((batch) => read(base, batch));
    }),
  );
  schedule(REFRESH_MS);
}

async function read(base: string, targets: string[]): Promise<void> {
  try {
    const res = await fetch(`${base}/v1/counts?targets=${targets.map(encodeURIComponent).join(",")}`);
    const parsed = BatchCountResponse.safeParse(await res.json());
    if (!parsed.success) return;
    for (const entry of entries) {
      const count = parsed.data.counts[entry.target];
      if (entry.base === base && count !== undefined) entry.show(count);
    }
  } catch {
    // Offline or refused: the last count stays up; the next round tries again.
  }
}

function setup(): IntersectionObserver {
  watchCounts((base, target, count) => {
    for (const entry of entries) if (entry.base === base && entry.target === target) entry.show(count);
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) schedule(GATHER_MS);
  });
  return new IntersectionObserver((changes) => {
    let appeared = false;
    for (const change of changes) {
      const entry = byElement.get(change.target);
      if (entry === undefined) continue;
      if (change.isIntersecting) {
        appeared ||= !visible.has(entry);
        visible.add(entry);
      } else visible.delete(entry);
    }
    if (appeared) schedule(GATHER_MS);
  });
}

export function watchCount(entry: CountEntry): () => void {
  observer ??= setup();
  entries.add(entry);
  byElement.set(entry.element, entry);
  observer.observe(entry.element);
  return () => {
    observer?.unobserve(entry.element);
    entries.delete(entry);
    visible.delete(entry);
    byElement.delete(entry.element);
  };
}
