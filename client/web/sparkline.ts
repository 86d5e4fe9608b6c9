import type { TargetSeriesResponse } from "../../protocol/analytics";
import { h, plural, setText } from "./dom";

const SVG = "http://www.w3.org/2000/svg";
const MINUTE_MS = 60_000;
/** Minutes shown: recent enough to feel live, long enough to show a trend. */
export const SPARKLINE_MINUTES = 15;
const WIDTH = 180;
const HEIGHT = 36;

/**
 * Likes per minute over the last minutes. The analytics route gives the history (it lags by
 * the queue's batching); likes seen live since the page opened are counted per minute too,
 * and each minute shows the larger of the two, so a live like shows at once and a refresh
 * of the history never counts it twice.
 */
export class LikeSparkline {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly line: SVGPolylineElement;
  private readonly summary = h("span", { class: "sparkline-summary", "data-testid": "sparkline-summary" });
  private readonly history = new Map<number, number>();
  private readonly live = new Map<number, number>();
  private lastCount: number | null = null;

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
    for (const point of series.points) this.history.set(minuteOf(Date.parse(point.at)), point.likes);
    this.render();
  }

  /**
   * The room sends likes to sockets as coalesced `count` frames, not one event per like, so
   * the live part counts rises of the count: a rise of n is n likes this minute (net of any
   * unlikes inside the same frame, which is what a velocity chart wants anyway).
   */
  observeCount(count: number, at = Date.now()): void {
    const previous = this.lastCount;
    this.lastCount = count;
    if (previous === null || count <= previous) return;
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
      values.push(Math.max(this.history.get(minute) ?? 0, this.live.get(minute) ?? 0));
    }
    const peak = Math.max(1, ...values);
    const step = WIDTH / (values.length - 1);
    this.line.setAttribute(
      "points",
      values.map((v, i) => `${(i * step).toFixed(1)},${(HEIGHT - 2 - (v / peak) * (HEIGHT - 4)).toFixed(1)}`).join(" "),
    );
    const total = values.reduce((a, b) => a + b, 0);
    setText(this.summary, `${plural(total, "like", "likes")} in the last ${SPARKLINE_MINUTES} minutes, ${plural(values.at(-1) ?? 0, "like", "likes")} this minute`);
  }
}

const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
