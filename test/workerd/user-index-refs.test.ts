import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomFor } from "../../platform/rooms";
import { like, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { api, registerAs, targetPath } from "./moderation-helpers";
import { comment } from "./comment-helpers";
import { indexedWrites } from "./user-index-helpers";
import { roomTablesMentioning } from "./traces";
import { waitFor } from "./wait";

describe("rooms telling a user's own object that they name the user in moderation", () => {
  it("reaches the objects of the owner, a moderator, a member, a banned user and a reporter, with no D1 read", { timeout: 60_000 }, async () => {
    const [owner, moderator, member, banned, reporter] = ["owner", "mod", "member", "banned", "reporter"].map((name) => uniqueUser(name));
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, owner!);
    await env.DB.exec("DELETE FROM user_room_refs");
    expect((await api("POST", targetPath(target, "/moderators"), ownerToken, { userId: moderator })).status).toBe(200);
    expect((await api("POST", targetPath(target, "/members"), ownerToken, { userId: member })).status).toBeLessThan(300);
    expect((await api("POST", targetPath(target, "/bans"), ownerToken, { userId: banned })).status).toBe(201);
    const reported = await comment(target, uniqueUser(), "reported");
    expect((await api("POST", targetPath(target, `/comments/${reported.id}/report`), await tokenFor(reporter!), { reason: "rude" })).status).toBe(201);
    for (const userId of [owner!, moderator!, member!, banned!, reporter!]) {
      await waitFor(() => indexedWrites(userId), (targets) => targets.includes(target), 15_000, `the object of ${userId} to name the room`);
    }
  });

  it("makes the room forget a user whose deletion completed before the room's news reached them", { timeout: 60_000 }, async () => {
    const banned = uniqueUser("banned");
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const notedAt = Date.now();
    expect((await api("POST", targetPath(target, "/bans"), ownerToken, { userId: banned })).status).toBe(201);
    await waitFor(() => indexedWrites(banned), (targets) => targets.includes(target), 15_000, "the ban to reach the user's object");
    // The user's deletion ends; a copy of the room's news from before it is still on its way.
    await env.USER_STATE.get(env.USER_STATE.idFromName(banned)).forget();
    await runInDurableObject(roomFor(env, target), (_room, state) => {
      state.storage.sql.exec("INSERT INTO user_refs_outgoing (user_id, noted_at) VALUES (?, ?)", banned, notedAt);
    });
    // Any write schedules the job that sends it.
    await like(target, uniqueUser());
    await waitFor(() => roomTablesMentioning(target, banned), (tables) => tables.length === 0, 15_000, "the room to forget the user");
    expect(await indexedWrites(banned)).toEqual([]);
  });
});
