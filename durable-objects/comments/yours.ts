import { MAX_YOURS, type HelloYours } from "../../protocol/live";
import { shadowView } from "./held-comments";
import { toHeldComment, type HeldStore } from "./held-store";

/**
 * The hello's `yours` (docs/moderation.md "Held comments"): what the room shows one signed-in
 * user alone, which no public (edge-cached) REST page can carry, so a reload or a reconnect
 * shows it again. Their held comments and held edits, and, if they are restricted, their
 * shadowed comments as the ordinary comments they were shown. Undefined when they have none,
 * so every other viewer's hello stays as it was.
 */
export function yoursOf(store: HeldStore, target: string, userId: string): HelloYours | undefined {
  const held = store.newestByAuthor(userId, false, MAX_YOURS).map((row) => toHeldComment(target, row, store.releaseAt(row.id)));
  const comments = store.newestByAuthor(userId, true, MAX_YOURS).map((row) => shadowView(target, row));
  return held.length === 0 && comments.length === 0 ? undefined : { held, comments };
}
