import { FORGOTTEN_USER } from "./forget-moderation";
import { noteUserRef } from "./user-refs";
import { ADMIN_ROLE, type Actor } from "../../protocol/moderation";
import type { RoomMeta } from "../room-meta";

/**
 * Who runs a room: its owner (room_meta `owner`, set when the target is registered), the
 * moderators the owner added, and tokens with the `admin` role, which moderate every room.
 */
export class RoomRoles {
  constructor(
    private readonly sql: SqlStorage,
    private readonly meta: RoomMeta,
  ) {}

  owner(): string | null {
    return this.meta.get("owner") ?? null;
  }

  title(): string | null {
    return this.meta.get("title") ?? null;
  }

  /** Call inside the write transaction. */
  register(owner: string, title: string): void {
    this.meta.set("owner", owner);
    noteUserRef(this.sql, owner);
    this.meta.set("title", title);
  }

  setTitle(title: string): void {
    this.meta.set("title", title);
  }

  isAdmin(actor: Actor): boolean {
    return actor.roles.includes(ADMIN_ROLE);
  }

  /** Owner-only powers (title, moderators, members) that admins share. */
  isOwnerOrAdmin(actor: Actor): boolean {
    const owner = this.owner();
    // A forgotten owner's placeholder is nobody's id, whatever a token's subject says.
    return this.isAdmin(actor) || (owner !== null && owner !== FORGOTTEN_USER && owner === actor.userId);
  }

  /** The check behind every moderation power: delete, pin, highlight, ban, settings, reports. */
  isModerator(actor: Actor): boolean {
    return this.isOwnerOrAdmin(actor) || this.isListedModerator(actor.userId);
  }

  /** A moderator the owner added (not the owner, not an admin, whose role lives in a token). */
  isListedModerator(userId: string): boolean {
    return this.sql.exec("SELECT 1 FROM moderators WHERE user_id = ?", userId).toArray().length > 0;
  }

  moderators(): string[] {
    return this.sql.exec<{ user_id: string }>("SELECT user_id FROM moderators ORDER BY added_at, user_id").toArray().map((row) => row.user_id);
  }

  /** True when the user was not a moderator before. */
  addModerator(userId: string, addedBy: string, now: number): boolean {
    noteUserRef(this.sql, userId);
    return (
      this.sql.exec("INSERT INTO moderators (user_id, added_by, added_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO NOTHING", userId, addedBy, now)
        .rowsWritten > 0
    );
  }

  removeModerator(userId: string): boolean {
    return this.sql.exec("DELETE FROM moderators WHERE user_id = ?", userId).rowsWritten > 0;
  }
}
