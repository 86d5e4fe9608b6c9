import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Comment } from "../../protocol/comments";
import { HeldComment, HeldPageResponse } from "../../protocol/held";
import { MAX_PUBLISH_DELAY_SECONDS } from "../../protocol/moderation";
import { roomStub, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { listComments, postComment } from "./comment-helpers";
import { LiveSocket } from "./live-socket";
import { api, audienceSockets, registerAs, targetPath } from "./moderation-helpers";

const DELAY_SECONDS = 30;

async function delayedRoom() {
  const target = uniqueTarget("stream");
  const owner = uniqueUser("owner");
  const ownerToken = await registerAs(target, owner);
  expect((await api("PATCH", targetPath(target, "/settings"), ownerToken, { publishDelaySeconds: DELAY_SECONDS })).status).toBe(200);
  return { target, ownerToken };
}

async function delayed(target: string, userId: string, text: string): Promise<HeldComment> {
  const res = await postComment(target, userId, { text });
  const body: unknown = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(202);
  return HeldComment.parse(body);
}

/** Time passes for the room: its stored release times and the job's due time move into the past. */
async function letTimePass(target: string): Promise<void> {
  await runInDurableObject(roomStub(target), async (_room, state) => {
    const back = DELAY_SECONDS * 1000 + 1;
    state.storage.sql.exec("UPDATE delayed_comments SET release_at = release_at - ?", back);
    state.storage.sql.exec("UPDATE alarm_jobs SET due_at = due_at - ? WHERE name = 'publish-delay'", back);
  });
  await runDurableObjectAlarm(roomStub(target));
}

const ids = async (target: string) => (await listComments(target)).items.map((item) => item.id);
const count = async (target: string) => (await roomStub(target).snapshot(target)).comments;

describe("publish delay", () => {
  it("holds a non-moderator's comment for the delay, then the room publishes it under a new id without a moderator", async () => {
    const { target, ownerToken } = await delayedRoom();
    const author = uniqueUser("author");
    const pending = await delayed(target, author, "in a moment");
    expect(pending).toMatchObject({ held: true, heldFor: "delay" });
    const releaseAt = Date.parse(pending.releaseAt ?? "");
    expect(releaseAt - Date.parse(pending.createdAt)).toBe(DELAY_SECONDS * 1000);

    // Before its time: no reader, page, count or GET by id has it; the moderators' queue does.
    expect(await ids(target)).toEqual([]);
    expect(await count(target)).toBe(0);
    expect((await api("GET", targetPath(target, `/comments/${pending.id}`), null)).status).toBe(404);
    const queue = HeldPageResponse.parse((await api("GET", targetPath(target, "/held"), ownerToken)).body);
    expect(queue.items).toMatchObject([{ id: pending.id, heldFor: "delay", releaseAt: pending.releaseAt }]);
    // An alarm before the time publishes nothing.
    await runDurableObjectAlarm(roomStub(target));
    expect(await ids(target)).toEqual([]);

    // The release is stored, not a timer: it survives the object's eviction.
    await evictDurableObject(roomStub(target));
    await letTimePass(target);
    const [published] = (await listComments(target)).items;
    expect(published).toMatchObject({ text: "in a moment", author: { id: author } });
    expect(published!.id).not.toBe(pending.id);
    expect(await count(target)).toBe(1);
    expect(Comment.parse((await api("GET", targetPath(target, `/comments/${published!.id}`), null)).body).id).toBe(published!.id);
    expect(HeldPageResponse.parse((await api("GET", targetPath(target, "/held"), ownerToken)).body).items).toEqual([]);
    // Published by the room, not approved by anyone: the mod log has no entry for it.
    const log = await api("GET", targetPath(target, "/modlog"), ownerToken);
    expect(JSON.stringify(log.body)).not.toContain('"approve"');
  });

  it("lets a moderator deny a delayed comment before it is published; it never appears", async () => {
    const { target, ownerToken } = await delayedRoom();
    const pending = await delayed(target, uniqueUser("author"), "regrettable");
    expect((await api("POST", targetPath(target, `/comments/${pending.id}/deny`), ownerToken)).status).toBe(200);
    await letTimePass(target);
    expect(await ids(target)).toEqual([]);
    expect(await count(target)).toBe(0);
  });

  it("never delays a moderator, and bounds the setting", async () => {
    const { target, ownerToken } = await delayedRoom();
    const own = await api("POST", targetPath(target, "/comments"), ownerToken, { text: "at once" });
    expect(own.status).toBe(201);
    expect(await count(target)).toBe(1);
    const tooLong = await api("PATCH", targetPath(target, "/settings"), ownerToken, { publishDelaySeconds: MAX_PUBLISH_DELAY_SECONDS + 1 });
    expect(tooLong.status).toBe(400);
  });

  it("shows the waiting comment live to its author and the moderators only, its publication to everyone", async () => {
    const { target, ownerToken } = await delayedRoom();
    const author = uniqueUser("author");
    const { moderator, mine, reader, anonymous, sockets } = await audienceSockets(target, ownerToken, await tokenFor(author));
    const pending = await delayed(target, author, "soon for all");
    const heldFrame = (frame: { event: { kind: string } }) => frame.event.kind === "held";
    await moderator.next("event", heldFrame);
    await mine.next("event", heldFrame);
    await letTimePass(target);
    for (const socket of sockets) await socket.next("event", (frame) => frame.event.kind === "comment");
    await mine.next("event", (frame) => frame.event.kind === "held_resolved");
    for (const socket of [reader, anonymous]) {
      expect(socket.of("event").map((frame) => frame.event.kind).filter((kind) => kind === "held" || kind === "held_resolved")).toEqual([]);
      expect(JSON.stringify(socket.frames)).not.toContain(pending.id);
    }
    for (const socket of sockets) socket.close();
  });
});
