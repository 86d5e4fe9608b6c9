import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { relayName } from "../../protocol/internal/relay-rpc";
import { call, tokenFor, uniqueTarget, uniqueUser, uniqueText } from "./helpers";
import { comment, deleteComment } from "./comment-helpers";
import { api, targetPath } from "./moderation-helpers";
import { LiveSocket } from "./live-socket";
import { requestDeletion, waitForCompletion } from "./deletion-helpers";
import { waitFor } from "./wait";
import { archiveObjects, emptyD1Comments, postMany, settleArchive } from "./archive-helpers";

function relay(target: string, k: number) {
  return env.LIVE_RELAY.get(env.LIVE_RELAY.idFromName(relayName(target, k)));
}

async function everyViewerToRelays(target: string): Promise<void> {
  const res = await call(`/v1/admin/targets/${encodeURIComponent(target)}/relays`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor(uniqueUser("admin"), { roles: ["admin"] })}` },
    body: JSON.stringify({ threshold: 0, perRelay: 100 }),
  });
  expect(res.status).toBe(200);
}

/** Everything a socket that reconnects with since=0 is sent, as text. */
async function replayFromStart(target: string): Promise<{ text: string; events: { seq: number; kind: string }[] }> {
  const socket = await LiveSocket.open(target, { since: 0 });
  const hello = await socket.next("hello");
  expect(hello.resync).toBe(false);
  await waitFor(async () => socket.of("event").length, (n) => n >= hello.replay, 5_000, "the replay");
  socket.close();
  const replayed = socket.of("event").filter((frame) => frame.replay);
  return { text: JSON.stringify(socket.frames), events: replayed.map((frame) => ({ seq: frame.seq, kind: frame.event.kind })) };
}

/** The relay's in-memory recent events, read from inside the object. */
function relayMemory(target: string, k: number): Promise<string> {
  return runInDurableObject(relay(target, k), (instance) => JSON.stringify(instance["recent"]));
}

/** The comments as the target's R2 archive pages hold them, once enough newer comments pushed them out of the window. */
async function archivedComments(target: string, ids: string[]) {
  await postMany(target, 200);
  await settleArchive(target);
  await emptyD1Comments();
  const rows = [...(await archiveObjects(target)).values()].flatMap((page) => page.comments);
  return ids.map((id) => {
    const row = rows.find((candidate) => candidate.id === id);
    return row === undefined ? null : { author_id: row.author_id, author_name: row.author_name, text: row.text, deleted_at: row.deleted_at };
  });
}

describe("a deleted comment", () => {
  // First: the next test posts hundreds of comments to fill the archive, and their fan-out
  // load must not reach this test's relay.
  it("of a user who asked to be forgotten leaves the replay ring and the relays' recent events as tombstones at their seq", { timeout: 60_000 }, async () => {
    const target = uniqueTarget("stream");
    await everyViewerToRelays(target);
    const viewer = await LiveSocket.open(target);
    await viewer.next("hello");
    const leaver = uniqueUser("forgotten");
    const secret = uniqueText("mine");
    const own = await comment(target, leaver, secret);
    const kept = await comment(target, uniqueUser("stayer"), "this one stays");
    expect((await api("PUT", targetPath(target, "/pin"), await tokenFor(uniqueUser("admin"), { roles: ["admin"] }), { commentId: own.id })).status).toBe(200);
    await viewer.next("event", (frame) => frame.event.kind === "pin");
    // The relay keeps its recent events as it receives them; under load that can trail the frame.
    await waitFor(() => relayMemory(target, 0), (text) => text.includes(secret), 5_000, "the relay to hold the comment");

    const { receipt } = await requestDeletion(leaver);
    await waitForCompletion(leaver, receipt.receiptId);

    const replay = await replayFromStart(target);
    for (const gone of [secret, leaver]) expect(replay.text).not.toContain(gone);
    expect(replay.events.find((event) => event.seq === own.seq)).toEqual({ seq: own.seq, kind: "comment_deleted" });
    expect(replay.events.find((event) => event.seq === kept.seq)).toEqual({ seq: kept.seq, kind: "comment" });
    const memory = await relayMemory(target, 0);
    expect(memory).not.toContain(secret);
    expect(memory).not.toContain(leaver);
    expect(memory).toContain("this one stays");
    viewer.close();
  });

  it("leaves the replay ring, the relays' recent events and the R2 archive, keeping its seq as a tombstone", { timeout: 120_000 }, async () => {
    const target = uniqueTarget("stream");
    await everyViewerToRelays(target);
    const viewer = await LiveSocket.open(target);
    await viewer.next("hello");
    const admin = await tokenFor(uniqueUser("admin"), { roles: ["admin"] });

    const author = uniqueUser("author");
    const secret = uniqueText("secret");
    const ownSecret = uniqueText("own words");
    const moderated = await comment(target, author, secret);
    const retracted = await comment(target, author, ownSecret);
    const kept = await comment(target, uniqueUser("stayer"), "this one stays");
    expect((await api("PUT", targetPath(target, "/pin"), admin, { commentId: moderated.id })).status).toBe(200);
    await viewer.next("event", (frame) => frame.event.kind === "pin");
    // The relay holding the viewer has them all in memory (under load, just after the frame).
    await waitFor(() => relayMemory(target, 0), (text) => text.includes(secret), 5_000, "the relay to hold the comment");

    expect((await deleteComment(target, uniqueUser("admin"), moderated.id, ["admin"])).status).toBe(200);
    expect((await deleteComment(target, author, retracted.id)).status).toBe(200);
    await viewer.next("event", (frame) => frame.event.kind === "comment_deleted" && frame.event.id === retracted.id);

    const replay = await replayFromStart(target);
    for (const gone of [secret, ownSecret, author]) expect(replay.text).not.toContain(gone);
    expect(replay.text).toContain("this one stays");
    // Same seqs as before, so a client's `since` still proves it missed nothing.
    expect(replay.events.find((event) => event.seq === moderated.seq)).toEqual({ seq: moderated.seq, kind: "comment_deleted" });
    expect(replay.events.find((event) => event.seq === retracted.seq)).toEqual({ seq: retracted.seq, kind: "comment_deleted" });
    expect(replay.events.find((event) => event.seq === kept.seq)).toEqual({ seq: kept.seq, kind: "comment" });

    const memory = await waitFor(() => relayMemory(target, 0), (text) => !text.includes(secret) && !text.includes(ownSecret), 5_000, "the relay to forget");
    expect(memory).not.toContain(author);
    expect(memory).toContain("this one stays");

    viewer.close();
    for (const row of await archivedComments(target, [moderated.id, retracted.id])) {
      expect(row).toEqual({ author_id: null, author_name: "[deleted]", text: "", deleted_at: expect.any(Number) });
    }
  });
});
