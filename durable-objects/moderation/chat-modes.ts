import { matchKey } from "../../protocol/text";
import type { RoomSettings } from "../../protocol/moderation";
import type { RoomError } from "../../protocol/internal/room-rpc";
import { retryAfterSeconds } from "./rate-limiter";
import { UniqueChatWindow } from "./unique-chat";

/**
 * One emoji as Unicode defines it (RGI sequences: flags, keycaps, skin tones, ZWJ families).
 * Built at run time: the `v` flag's properties of strings are beyond the TypeScript target,
 * and a digit or `#` alone (Emoji_Component) must not pass for an emoji.
 */
const EMOJI_RUN = new RegExp("^\\p{RGI_Emoji}+$", "v");

/** What chat modes read beyond the settings: the room's own tables. */
export interface ChatModeInput {
  settings: RoomSettings;
  userId: string;
  /** Moderators are exempt from every chat mode, as from slow mode. */
  moderator: boolean;
  /** The comment as it will be stored (normalised and filtered). */
  text: string;
  now: number;
}

/**
 * The room's chat modes (docs/moderation.md): emote-only, unique chat and the newcomer wait.
 * Each refuses the comment with its own code; none holds it (the review queue does that).
 */
export class ChatModes {
  private readonly unique: UniqueChatWindow;

  constructor(private readonly sql: SqlStorage) {
    this.unique = new UniqueChatWindow(sql);
  }

  check(input: ChatModeInput): RoomError | null {
    const { settings, moderator, text, now } = input;
    if (moderator) return null;
    if (settings.emoteOnly && !isEmoteOnly(text, settings.reactions)) {
      return { status: 403, code: "emote_only", message: "this room is in emote-only mode: only emoji and the room's reactions" };
    }
    if (settings.newcomerWaitMinutes > 0) {
      const refusal = this.checkNewcomer(input.userId, settings.newcomerWaitMinutes, now);
      if (refusal) return refusal;
    }
    if (settings.uniqueChat && this.unique.seen(matchKey(text).key, now)) {
      return { status: 422, code: "not_unique", message: "unique chat: someone posted the same comment in the last 30 s" };
    }
    return null;
  }

  /** After a rolled-back transaction the window may hold a comment storage never kept. */
  invalidate(): void {
    this.unique.reset();
  }

  private checkNewcomer(userId: string, minutes: number, now: number): RoomError | null {
    const first = firstWriteAt(this.sql, userId);
    if (first === null) {
      return { status: 403, code: "write_first", message: `newcomers may comment ${minutes} min after their first like or reaction here` };
    }
    const readyAt = first + minutes * 60_000;
    if (readyAt <= now) return null;
    const retry = retryAfterSeconds(readyAt - now);
    return { status: 429, code: "newcomer_wait", message: `newcomers may comment ${minutes} min after their first write here; retry in ${retry} s`, retryAfterSeconds: retry };
  }
}

/**
 * Only emoji and the room's reactions (by name, bare or as `:name:`), separated by spaces.
 * A comment of spaces alone never gets here (it is refused as empty first).
 */
export function isEmoteOnly(text: string, reactions: readonly string[]): boolean {
  for (const token of text.split(/\s+/u)) {
    if (token === "") continue;
    const name = token.length > 2 && token.startsWith(":") && token.endsWith(":") ? token.slice(1, -1) : token;
    if (reactions.includes(name)) continue;
    if (!EMOJI_RUN.test(token)) return false;
  }
  return true;
}

/**
 * The user's earliest write this room still holds: a like, a comment (deleted ones too), a
 * reaction, or a comment moved to the archive (which is older than anything here, so it counts
 * as long ago). Read from the records themselves, so nothing extra is written per like; a write
 * since undone (an unlike) no longer counts, which can only make the wait longer, never shorter.
 * A sharded target's likes live in its shards: there a like does not start the clock.
 */
export function firstWriteAt(sql: SqlStorage, userId: string): number | null {
  const archived = sql.exec("SELECT 1 FROM comment_archive_authors WHERE author_id = ? LIMIT 1", userId).toArray().length > 0;
  if (archived) return 0;
  const row = sql
    .exec<{ first: number | null }>(
      `SELECT MIN(at) AS first FROM (
         SELECT liked_at AS at FROM likes WHERE user_id = ?1
         UNION ALL SELECT MIN(created_at) FROM comments WHERE author_id = ?1
         UNION ALL SELECT MIN(reacted_at) FROM reactions WHERE user_id = ?1
       )`,
      userId,
    )
    .one();
  return row.first;
}
