import type { TargetSeriesResponse } from "../../protocol/analytics";
import { h, plural, setText } from "./dom";

const SVG = "http://www.w3.org/2000/svg";
const MINUTE_MS = 60_000;
/** Minutes shown: recent enough to feel live, long enough to show a trend. */
export const SPARKLINE_MINUTES = 15;
const WIDTH = 180;
const HEIGHT = 36;

/**
 * How the like count moved per minute over the last minutes: likes minus unlikes, so the chart
 * agrees with the count (a like, an unlike and a like again are one like, not two). The
 * analytics route gives the history (it lags by the queue's batching); the count's changes
 * seen live since the page opened are summed per minute too. A minute that began after the
 * page opened is wholly seen live and shows that; an earlier minute shows the history; the
 * minute the page opened in, the larger of the two (each saw only part of it).
 */
export class LikeSparkline {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly line: SVGPolylineElement;
  private readonly summary = h("span", { class: "sparkline-summary", "data-testid": "sparkline-summary" });
  private readonly history = new Map<number, number>();
  private readonly live = new Map<number, number>();
  private lastCount: number | null = null;
  private readonly openedAt = minuteOf(Date.now());

  constructor() {
    this.svg = document.createElementNS(SVG, "svg");
    this.svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
    this.svg.setAttribute("width", String(WIDTH));
    this.svg.setAttribute("height", String(HEIGHT));
    this.svg.setAttribute("aria-hidden", "true");
    this.line = document.createElementNS(SVG, "polyline");
    this.line.setAttribute("fill", "none");
    this.line.setAttribute("stroke", "currentColor");
    this.line.setAttribute("stroke-width", "2");
    this.svg.append(this.line);
    this.element = h("figure", { class: "sparkline", "data-testid": "sparkline" }, this.svg, h("figcaption", {}, this.summary));
    this.render();
  }

  setHistory(series: TargetSeriesResponse): void {
    for (const point of series.points) this.history.set(minuteOf(Date.parse(point.at)), point.likes - point.unlikes);
    this.render();
  }

  /** Every count the page learns (coalesced frames, events, acks): the live part sums its changes. */
  observeCount(count: number, at = Date.now()): void {
    const previous = this.lastCount;
    this.lastCount = count;
    if (previous === null || count === previous) return;
    const minute = minuteOf(at);
    this.live.set(minute, (this.live.get(minute) ?? 0) + (count - previous));
    this.render();
  }

  /** A snapshot (hello): the new baseline; what changed while away is the history's to show. */
  resetCount(count: number): void {
    this.lastCount = count;
  }

  render(): void {
    const now = minuteOf(Date.now());
    const values: number[] = [];
    for (let i = SPARKLINE_MINUTES - 1; i >= 0; i -= 1) {
      const minute = now - i * MINUTE_MS;
      const live = this.live.get(minute);
      const history = this.history.get(minute);
      values.push(minute > this.openedAt ? (live ?? 0) : minute === this.openedAt ? Math.max(history ?? 0, live ?? 0) : (history ?? 0));
    }
    const top = Math.max(1, ...values);
    const bottom = Math.min(0, ...values);
    const step = WIDTH / (values.length - 1);
    this.line.setAttribute(
      "points",
      values.map((v, i) => `${(i * step).toFixed(1)},${(HEIGHT - 2 - ((v - bottom) / (top - bottom)) * (HEIGHT - 4)).toFixed(1)}`).join(" "),
    );
    const total = values.reduce((a, b) => a + b, 0);
    setText(this.summary, `${plural(total, "like", "likes")} in the last ${SPARKLINE_MINUTES} minutes, ${plural(values.at(-1) ?? 0, "like", "likes")} this minute`);
  }
}

const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
