import { catalogue } from "./catalogue";
import type { Messages, Plural } from "./messages";

/**
 * The embed's message catalogue. English ships in the main script; other locales are chunks
 * loaded when an element asks for them (`locale` attribute, else the browser's languages).
 * A catalogue is plain data: plural forms are keyed by Intl.PluralRules categories.
 */
export const en: Messages = {
  like: "Like",
  likes: { one: "{n} like", other: "{n} likes" },
  viewers: { one: "{n} watching", other: "{n} watching" },
  signInToLike: "Sign in to like",
  signInToReact: "Sign in to react",
  failed: "Not saved, try again",
  offline: "Offline, reconnecting…",
  reactions: "Reactions",
};

const LOADERS: Record<string, () => Promise<{ messages: Messages }>> = {
  de: () => import("./locales/de"),
  es: () => import("./locales/es"),
  ja: () => import("./locales/ja"),
};
export const LOCALES = ["en", ...Object.keys(LOADERS)];

/** The first of `wanted` (BCP 47 tags) the catalogue has, by language; English otherwise. */
export function pickLocale(wanted: readonly string[]): string {
  for (const tag of wanted) {
    const language = tag.toLowerCase().split("-")[0] ?? "";
    if (LOCALES.includes(language)) return language;
  }
  return "en";
}

export const loadMessages = catalogue(en, LOADERS);

export function plural(locale: string, forms: Plural, n: number): string {
  const form = forms[new Intl.PluralRules(locale).select(n)] ?? forms.other;
  return form.replace("{n}", new Intl.NumberFormat(locale).format(n));
}
