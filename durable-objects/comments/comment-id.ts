const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * `ttttttttt sssssss rrrrrr`: creation time in ms (base 36, 9 digits, good until year 5188),
 * the room's seq (base 36, 7 digits) and 6 random base-62 characters. Within a room the ids
 * sort exactly by creation (time, then seq); across rooms the random tail keeps them unique.
 * Lower-case base 36 first so plain string order is time order.
 */
export function newCommentId(createdAt: number, seq: number): string {
  const random = crypto.getRandomValues(new Uint8Array(6));
  let tail = "";
  for (const byte of random) tail += BASE62[byte % 62];
  return createdAt.toString(36).padStart(9, "0") + seq.toString(36).padStart(7, "0") + tail;
}

/** The room seq a comment id was made with (`newCommentId`, its characters 10 to 16): a shadowed comment keeps no other record of it. */
export function seqOfCommentId(id: string): number {
  return parseInt(id.slice(9, 16), 36);
}
