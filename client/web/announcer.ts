/** A message stays on screen this long: long enough to read, then out of the way. */
const SHOWN_MS = 8_000;
let clearTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * One polite live region for the whole page, shown on screen too (a line at the bottom), so
 * everyone learns what changed after an action (like state, posting, moderation, a refusal)
 * without focus moving. The text is reset first so the same message twice is announced twice.
 */
export function announce(message: string): void {
  const region = document.getElementById("announcer");
  if (region === null) return;
  region.textContent = "";
  clearTimeout(clearTimer);
  // A new text node in a later task is what assistive tech picks up as a change.
  setTimeout(() => {
    region.textContent = message;
    clearTimer = setTimeout(() => {
      region.textContent = "";
    }, SHOWN_MS);
  }, 30);
}
