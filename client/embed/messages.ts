/**
 * The shape of a message catalogue, apart from the catalogues themselves, so the lazily loaded
 * locales (locales/*.ts) and the loader that imports them (i18n.ts) do not import each other.
 * A catalogue is plain data: plural forms are keyed by Intl.PluralRules categories.
 */
export interface Messages {
  like: string;
  likes: Plural;
  viewers: Plural;
  signInToLike: string;
  signInToReact: string;
  failed: string;
  offline: string;
  reactions: string;
}
/** `{n}` stands for the formatted number; `other` is required, the rest as the language needs. */
export type Plural = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
