const STEPS: [number, Intl.RelativeTimeFormatUnit][] = [
  [60, "second"],
  [60, "minute"],
  [24, "hour"],
  [7, "day"],
  [4.35, "week"],
  [12, "month"],
  [Infinity, "year"],
];

/** "3 minutes ago", in the element's language; the exact time is the <time>'s title and datetime. */
export function relativeTime(iso: string, locale: string, now = Date.now()): string {
  let amount = (Date.parse(iso) - now) / 1000;
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [size, unit] of STEPS) {
    if (Math.abs(amount) < size) return format.format(Math.round(unit === "second" && Math.abs(amount) < 10 ? 0 : amount), unit);
    amount /= size;
  }
  return "";
}
