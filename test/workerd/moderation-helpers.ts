import { runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { call, roomStub, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { LiveSocket } from "./live-socket";
import { RoomMeta } from "../../durable-objects/room-meta";
import { SettingsStore } from "../../durable-objects/moderation/settings-store";
import { RoomRoles } from "../../durable-objects/moderation/room-roles";
import { BanList } from "../../durable-objects/moderation/ban-list";
import { MemberList } from "../../durable-objects/moderation/member-list";
import { RoomPolicy } from "../../durable-objects/moderation/room-policy";
import { DEFAULT_RATE_LIMITS, type RateLimits } from "../../durable-objects/moderation/rate-limits";

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** One JSON request as `token`'s user; the body is parsed whatever the status. */
export async function api(method: string, path: string, token: string | null, body?: unknown): Promise<ApiAnswer> {
  const res = await call(path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

export const targetPath = (target: string, rest = "") => `/v1/targets/${encodeURIComponent(target)}${rest}`;

export async function registerAs(target: string, userId: string, title = "A stream"): Promise<string> {
  const token = await tokenFor(userId);
  const res = await api("PUT", targetPath(target), token, { title });
  if (res.status !== 201) throw new Error(`register answered ${res.status} ${JSON.stringify(res.body)}`);
  return token;
}

/** A registered room whose owner added one moderator. */
export async function moderatedRoom() {
  const target = uniqueTarget("stream");
  const owner = uniqueUser("owner");
  const ownerToken = await registerAs(target, owner);
  const moderator = uniqueUser("mod");
  expect((await api("POST", targetPath(target, "/moderators"), ownerToken, { userId: moderator })).status).toBe(200);
  return { target, owner, ownerToken, moderator, modToken: await tokenFor(moderator) };
}

/** The four viewers an audience test watches, each past its hello: a moderator, the author, a signed-in reader, an anonymous socket. */
export async function audienceSockets(target: string, moderatorToken: string, authorToken: string) {
  const [moderator, mine, reader, anonymous] = await Promise.all([
    LiveSocket.open(target, { token: moderatorToken }),
    LiveSocket.open(target, { token: authorToken }),
    LiveSocket.open(target, { token: await tokenFor(uniqueUser("reader")) }),
    LiveSocket.open(target),
  ]);
  const sockets = [moderator, mine, reader, anonymous];
  await Promise.all(sockets.map((socket) => socket.next("hello")));
  return { moderator, mine, reader, anonymous, sockets };
}

/** A valid comment id (9 time chars, 7 base36, 6 alphanumerics), unique per call. */
export function fakeCommentId(): string {
  const hex = crypto.randomUUID().replaceAll("-", "");
  return `${Date.now().toString(36).padStart(9, "0")}${hex.slice(0, 7)}${hex.slice(7, 13)}`;
}

/**
 * A comment row written straight into the room's `comments` table at a chosen time, for
 * policy tests that move their own clock (slow mode, repeats): the policy reads only the
 * author and creation time. REST tests post real comments instead.
 */
export async function insertCommentRow(
  target: string,
  row: { id?: string; authorId: string; text?: string; createdAt: number; deletedAt?: number },
): Promise<string> {
  const id = row.id ?? fakeCommentId();
  await runInDurableObject(roomStub(target), (_room, state) => {
    state.storage.sql.exec(
      `INSERT INTO comments (id, seq, author_id, author_name, text, mentions, reply_to, created_at, deleted_at)
       VALUES (?, 0, ?, ?, ?, '[]', NULL, ?, ?)`,
      id,
      row.authorId,
      row.authorId,
      row.text ?? "hello",
      row.createdAt,
      row.deletedAt ?? null,
    );
  });
  return id;
}

/**
 * Runs `check` with a RoomPolicy over the room's real storage (what REST calls wrote), with
 * its own rate limiters so a test can choose the limits and move the clock it passes in.
 */
export async function withPolicy<T>(
  target: string,
  check: (policy: RoomPolicy, sql: SqlStorage) => T,
  limits: RateLimits = DEFAULT_RATE_LIMITS,
): Promise<T> {
  return runInDurableObject(roomStub(target), (_room, state) => {
    const sql = state.storage.sql;
    const meta = new RoomMeta(sql);
    const policy = new RoomPolicy({
      sql,
      target: () => target,
      settings: new SettingsStore(meta),
      roles: new RoomRoles(sql, meta),
      bans: new BanList(sql),
      members: new MemberList(sql),
      limits,
    });
    return check(policy, sql);
  });
}
