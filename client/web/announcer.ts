/**
 * One polite live region for the whole page, so screen readers hear what changed after an
 * action (like state, posting, moderation) without focus moving. The text is reset first so
 * the same message twice is announced twice.
 */
export function announce(message: string): void {
  const region = document.getElementById("announcer");
  if (region === null) return;
  region.textContent = "";
  // A new text node in a later task is what assistive tech picks up as a change.
  setTimeout(() => {
    region.textContent = message;
  }, 30);
}
