/**
 * `document.createElement` with attributes and text children: the embed's only DOM builder, no
 * innerHTML, so pages under Trusted Types work and no text can become markup. A module of its
 * own so the reactions build (reactions/bar.ts) takes it without the elements' base class.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string>, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}
