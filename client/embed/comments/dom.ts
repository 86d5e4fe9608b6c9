/**
 * The section's DOM builder: createElement and textContent only (no innerHTML), as in
 * ../element.ts, whose module this separate build does not share.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string>, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** A button that runs `action` on click. */
export function button(label: string, attributes: Record<string, string>, action: () => void): HTMLButtonElement {
  const made = el("button", { type: "button", ...attributes }, label);
  made.addEventListener("click", action);
  return made;
}
