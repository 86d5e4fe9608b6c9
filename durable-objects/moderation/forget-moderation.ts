import { forgetModLogUser } from "./mod-log";

/** Stands in for a moderator who asked to be forgotten, where their actions outlive them. */
export const FORGOTTEN_USER = "(forgotten)";

export interface ModerationErasure {
  moderatorRemoved: boolean;
  memberRemoved: boolean;
  banRemoved: boolean;
  reportsRemoved: number;
}

/**
 * A user's part of a room's moderation data, removed inside the erasure's transaction: their
 * moderator role, membership, ban (a ban in force stays, through `keepBan`, under a keyed hash)
 * and the reports they filed. Bans they placed and moderators they added stay in force but no
 * longer say who did it, nor do the mod log's entries. An owner is replaced by the
 * placeholder, not removed: the target stays registered (nobody else can claim it) and only
 * admins and the remaining moderators run it.
 */
export function forgetModerationData(sql: SqlStorage, userId: string, keepBan?: (until: number | null) => void): ModerationErasure {
  // The ban outlives the id: it moves to erased_bans under a keyed hash (erased-bans.ts).
  const ban = sql.exec<{ until: number | null }>("SELECT until FROM bans WHERE user_id = ?", userId).toArray()[0];
  if (ban !== undefined && keepBan !== undefined && (ban.until === null || ban.until > Date.now())) keepBan(ban.until);
  const erasure: ModerationErasure = {
    moderatorRemoved: sql.exec("DELETE FROM moderators WHERE user_id = ?", userId).rowsWritten > 0,
    memberRemoved: sql.exec("DELETE FROM members WHERE user_id = ?", userId).rowsWritten > 0,
    banRemoved: sql.exec("DELETE FROM bans WHERE user_id = ?", userId).rowsWritten > 0,
    reportsRemoved: sql.exec("DELETE FROM reports WHERE reporter_id = ?", userId).rowsWritten,
  };
  sql.exec("UPDATE bans SET by = ? WHERE by = ?", FORGOTTEN_USER, userId);
  sql.exec("UPDATE moderators SET added_by = ? WHERE added_by = ?", FORGOTTEN_USER, userId);
  sql.exec("UPDATE room_meta SET value = ? WHERE key = 'owner' AND value = ?", FORGOTTEN_USER, userId);
  sql.exec("DELETE FROM user_refs_outgoing WHERE user_id = ?", userId);
  forgetModLogUser(sql, userId, FORGOTTEN_USER);
  return erasure;
}
