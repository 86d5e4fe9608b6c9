import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { postJson, roomStub, tokenFor, uniqueUser } from "./helpers";
import { postComment } from "./comment-helpers";
import { api, registerAs, targetPath } from "./moderation-helpers";
import { uniqueTarget } from "./helpers";

async function codeOf(res: Response): Promise<string | null> {
  const body = (await res.json()) as { error?: { code: string } };
  return body.error?.code ?? null;
}

async function react(target: string, userId: string) {
  return postJson("/v1/reactions", { target, emoji: "wow", action: "add" }, { token: await tokenFor(userId) });
}

async function storedBans(target: string) {
  return runInDurableObject(roomStub(target), (_room, state) => ({
    plain: state.storage.sql.exec<{ user_id: string }>("SELECT user_id FROM bans").toArray().map((row) => row.user_id),
    erased: state.storage.sql.exec<{ subject_key: string; until: number | null }>("SELECT subject_key, until FROM erased_bans").toArray(),
  }));
}

describe("a ban outlives the banned user's erasure", () => {
  it("keeps the ban under a keyed hash: the same account is still refused, and a moderator who knows the id lifts it", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const banned = uniqueUser("banned");
    expect((await postComment(target, banned, { text: "before the ban" })).status).toBe(201);
    expect((await api("POST", targetPath(target, "/bans"), ownerToken, { userId: banned, reason: `${banned} spammed` })).status).toBe(201);

    await roomStub(target).forgetUser({ target, userId: banned });

    const stored = await storedBans(target);
    expect(stored.plain).toEqual([]);
    expect(stored.erased).toHaveLength(1);
    expect(stored.erased[0]!.until).toBeNull();
    // Nothing in the kept row names the user or repeats the moderator's reason.
    expect(JSON.stringify(stored.erased)).not.toContain(banned);
    expect(JSON.stringify((await api("GET", targetPath(target, "/bans"), ownerToken)).body)).not.toContain(banned);

    const refused = await postComment(target, banned, { text: "I am back" });
    expect(refused.status).toBe(403);
    expect(await codeOf(refused)).toBe("banned");
    const reaction = await react(target, banned);
    expect(reaction.status).toBe(403);
    expect(await codeOf(reaction)).toBe("banned");
    // Nobody else is caught by it.
    expect((await postComment(target, uniqueUser("other"), { text: "hello" })).status).toBe(201);

    const lifted = await api("DELETE", targetPath(target, `/bans/${encodeURIComponent(banned)}`), ownerToken);
    expect(lifted).toMatchObject({ status: 200, body: { userId: banned, lifted: true } });
    expect((await postComment(target, banned, { text: "thanks" })).status).toBe(201);
    expect((await storedBans(target)).erased).toEqual([]);
  });

  it("keeps a timeout until its end, and drops one already over", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const [timedOut, over] = [uniqueUser("timed-out"), uniqueUser("over")];
    for (const userId of [timedOut, over]) expect((await postComment(target, userId, { text: `hi from ${userId}` })).status).toBe(201);
    expect((await api("POST", targetPath(target, "/bans"), ownerToken, { userId: timedOut, durationSeconds: 600 })).status).toBe(201);
    expect((await api("POST", targetPath(target, "/bans"), ownerToken, { userId: over, durationSeconds: 600 })).status).toBe(201);
    // The second timeout ended a minute ago.
    await runInDurableObject(roomStub(target), (_room, state) => {
      state.storage.sql.exec("UPDATE bans SET until = ? WHERE user_id = ?", Date.now() - 60_000, over);
    });
    for (const userId of [timedOut, over]) await roomStub(target).forgetUser({ target, userId });

    const erased = (await storedBans(target)).erased;
    expect(erased).toHaveLength(1);
    expect(erased[0]!.until).toBeGreaterThan(Date.now() + 500_000);
    const refused = await postComment(target, timedOut, { text: "back early" });
    expect(refused.status).toBe(403);
    expect(await codeOf(refused)).toBe("banned");
    expect((await postComment(target, over, { text: "back in time" })).status).toBe(201);
  });
});
