/**
 * A message catalogue by locale: English is given, other locales are chunks loaded on first
 * use, once per page. A chunk that cannot be fetched leaves the element in English rather than
 * empty. Shared by v1's elements (i18n.ts) and the comment section's own catalogue.
 */
export function catalogue<M>(en: M, loaders: Record<string, () => Promise<{ messages: M }>>): (locale: string) => Promise<M> {
  const loaded = new Map<string, Promise<M>>([["en", Promise.resolve(en)]]);
  return (locale) => {
    let messages = loaded.get(locale);
    if (messages === undefined) {
      const load = loaders[locale];
      messages = load === undefined ? Promise.resolve(en) : load().then((module) => module.messages, () => en);
      loaded.set(locale, messages);
    }
    return messages;
  };
}
