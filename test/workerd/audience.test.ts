import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CLOSE_CODES, type EventFrame } from "../../protocol/live";
import type { ModLogEntry } from "../../protocol/moderation";
import { relayName } from "../../protocol/internal/relay-rpc";
import type { RecentEvents } from "../../durable-objects/relays/recent-events";
import { includes } from "../../durable-objects/write-path/audience";
import { ReplayRing } from "../../durable-objects/replay-ring";
import { FORGOTTEN_USER } from "../../durable-objects/moderation/forget-moderation";
import { call, roomStub, tokenFor, uniqueTarget, uniqueUser, uniqueText } from "./helpers";
import { comment, deleteComment, postComment } from "./comment-helpers";
import { Comment } from "../../protocol/comments";
import { HeldComment, HeldResolution } from "../../protocol/held";
import { LiveSocket } from "./live-socket";
import { api, moderatedRoom, registerAs, targetPath } from "./moderation-helpers";
import { waitFor } from "./wait";

// Who sees what (issue 21): every live event carries an audience, and each socket, in the room
// or on a relay, live or through a `since` replay, is sent only the events its viewer may see.
// Mod log entries are the first events for moderators only.

type Modlog = { seq: number; replay: boolean; entry: Omit<ModLogEntry, "action"> & { action: string } };

function modlogs(socket: LiveSocket): Modlog[] {
  return socket.of("event").flatMap((frame) => (frame.event.kind === "modlog" ? [{ seq: frame.seq, replay: frame.replay, entry: frame.event.entry }] : []));
}

/** A socket after its hello and the whole replay the hello announced. */
async function join(target: string, query: { token?: string; since?: number } = {}): Promise<LiveSocket> {
  const socket = await LiveSocket.open(target, query);
  const hello = await socket.next("hello");
  if (hello.replay > 0) await socket.next("event", (f) => f.replay && socket.of("event").filter((e) => e.replay).length === hello.replay);
  return socket;
}

async function ban(target: string, token: string, userId: string, reason: string): Promise<void> {
  const answer = await api("POST", targetPath(target, "/bans"), token, { userId, reason });
  expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(300);
}

/**
 * A comment everyone sees, posted after the actions under test: once a socket has its event,
 * every event sent to it before has arrived too (a room sends in seq order), so what is
 * missing then was never sent. No fixed sleeps.
 */
async function everyoneHas(target: string, sockets: LiveSocket[]): Promise<EventFrame> {
  const marker = await comment(target, uniqueUser("author"), uniqueText("marker"));
  const frames = await Promise.all(sockets.map((socket) => socket.next("event", (f) => f.event.kind === "comment" && f.event.comment.id === marker.id)));
  return frames[0]!;
}

async function setRelays(target: string, threshold: number, perRelay: number): Promise<void> {
  const res = await call(`/v1/admin/targets/${encodeURIComponent(target)}/relays`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor(uniqueUser("admin"), { roles: ["admin"] })}` },
    body: JSON.stringify({ threshold, perRelay }),
  });
  expect(res.status).toBe(200);
}

function relay(target: string, k: number) {
  return env.LIVE_RELAY.get(env.LIVE_RELAY.idFromName(relayName(target, k)));
}

const roomSockets = async (target: string) => (await roomStub(target).metrics(target)).sockets.open;

describe("audience of live events", () => {
  it("lets a {user} event reach that user and the moderators only, and everything else everyone", () => {
    const author = { userId: "site|ana", moderator: false };
    const other = { userId: "site|bo", moderator: false };
    const anonymous = { userId: null, moderator: false };
    const moderator = { userId: "site|mod", moderator: true };
    expect([author, other, anonymous, moderator].map((viewer) => includes({ user: "site|ana" }, viewer))).toEqual([true, false, false, true]);
    expect([author, other, anonymous, moderator].map((viewer) => includes("moderators", viewer))).toEqual([false, false, false, true]);
    expect([author, anonymous, moderator].map((viewer) => includes("everyone", viewer) && includes(undefined, viewer))).toEqual([true, true, true]);
  });

  it("keeps each event's audience in the replay ring, and replays rows written before audiences as everyone's", async () => {
    const target = uniqueTarget();
    await comment(target, uniqueUser("author"), "stores the room");
    await runInDurableObject(roomStub(target), (_room, state) => {
      const sql = state.storage.sql;
      const ring = new ReplayRing(sql);
      const last = sql.exec<{ seq: number }>("SELECT MAX(seq) AS seq FROM live_events").one().seq;
      // A row as the ring wrote them before audiences: three elements per event.
      const old = { kind: "comment_highlight" as const, id: "0a1b2c3d4e5f6g7hAbC123", highlighted: true };
      sql.exec("INSERT INTO live_events (seq, first_seq, at, body) VALUES (?, ?, ?, ?)", last + 1, last + 1, 1, JSON.stringify([[last + 1, 1, old]]));
      ring.append([
        { seq: last + 2, at: 2, event: { kind: "like", count: 1 } },
        { seq: last + 3, at: 2, event: { kind: "comment_highlight", id: old.id, highlighted: false }, audience: { user: "site|ana" } },
        { seq: last + 4, at: 2, event: { kind: "comment_highlight", id: old.id, highlighted: true }, audience: "moderators" },
        { seq: last + 5, at: 2, event: { kind: "like", count: 2 }, audience: "everyone" },
      ]);
      const stored = sql.exec<{ body: string }>("SELECT body FROM live_events WHERE seq = ?", last + 5).one().body;
      // An event for everyone is stored as before (three elements): rows stay small.
      expect((JSON.parse(stored) as unknown[][]).map((element) => element.length)).toEqual([3, 4, 4, 3]);
      const plan = ring.plan(last, last + 5);
      expect(plan).toEqual({
        kind: "replay",
        events: [
          { seq: last + 1, at: 1, event: old },
          { seq: last + 2, at: 2, event: { kind: "like", count: 1 } },
          { seq: last + 3, at: 2, event: { kind: "comment_highlight", id: old.id, highlighted: false }, audience: { user: "site|ana" } },
          { seq: last + 4, at: 2, event: { kind: "comment_highlight", id: old.id, highlighted: true }, audience: "moderators" },
          { seq: last + 5, at: 2, event: { kind: "like", count: 2 } },
        ],
      });
      // Nothing of this was committed through the room: take it out again.
      sql.exec("DELETE FROM live_events WHERE seq > ?", last);
    });
  });

  it("sends each mod log entry live to the room's owner, moderators and admins, and to no other viewer", async () => {
    const { target, ownerToken, moderator, modToken } = await moderatedRoom();
    const admin = await tokenFor(uniqueUser("admin"), { roles: ["admin"] });
    const moderators = [await join(target, { token: ownerToken }), await join(target, { token: modToken }), await join(target, { token: admin })];
    const others = [await join(target, { token: await tokenFor(uniqueUser("viewer")) }), await join(target)];
    const troll = uniqueUser("troll");

    await ban(target, modToken, troll, "spam links");
    await everyoneHas(target, [...moderators, ...others]);

    for (const socket of moderators) {
      expect(modlogs(socket).map((m) => m.entry)).toEqual([expect.objectContaining({ moderator, action: "ban", userId: troll, reason: "spam links" })]);
      expect(modlogs(socket)[0]?.replay).toBe(false);
    }
    for (const socket of others) expect(modlogs(socket)).toEqual([]);
    for (const socket of [...moderators, ...others]) socket.close();
  });

  it("replays mod log entries after since to moderators only, and counts only what it replays", async () => {
    const { target, modToken } = await moderatedRoom();
    const since = (await roomStub(target).snapshot(target)).seq;
    const troll = uniqueUser("troll");
    await ban(target, modToken, troll, "spam links");
    await comment(target, uniqueUser("author"), "after the ban");

    const mod = await join(target, { token: modToken, since });
    const viewer = await join(target, { token: await tokenFor(uniqueUser("viewer")), since });
    const anonymous = await join(target, { since });
    await everyoneHas(target, [mod, viewer, anonymous]);

    expect(modlogs(mod)).toEqual([expect.objectContaining({ replay: true, entry: expect.objectContaining({ action: "ban", userId: troll }) })]);
    for (const socket of [viewer, anonymous]) expect(modlogs(socket)).toEqual([]);
    for (const socket of [mod, viewer, anonymous]) {
      const hello = socket.of("hello")[0]!;
      expect(hello.resync).toBe(false);
      expect(hello.replay).toBe(socket.of("event").filter((f) => f.replay).length);
    }
    expect(viewer.of("hello")[0]!.replay).toBe(1);
    expect(mod.of("hello")[0]!.replay).toBe(2);
    for (const socket of [mod, viewer, anonymous]) socket.close();
  });

  it("scrubs an erased user from the mod log entries still in the replay ring", async () => {
    const { target, modToken } = await moderatedRoom();
    const since = (await roomStub(target).snapshot(target)).seq;
    const troll = uniqueUser("troll");
    await ban(target, modToken, troll, `about ${troll}`);
    await roomStub(target).forgetUser({ target, userId: troll });

    const mod = await join(target, { token: modToken, since });
    const replayed = modlogs(mod).map((m) => m.entry).filter((entry) => entry.action === "ban");
    expect(replayed).toEqual([expect.objectContaining({ userId: FORGOTTEN_USER, reason: null })]);
    mod.close();
  });
});

/**
 * Gives the ring's stored event at `seq` an audience, as a write path stamping one would have:
 * no path of the room makes a {user} event yet (held comments will), and the row is otherwise
 * what the room committed, so seqs and the hello stay true.
 */
async function restrictInRing(target: string, seq: number, userId: string): Promise<void> {
  await runInDurableObject(roomStub(target), (_room, state) => {
    const row = state.storage.sql.exec<{ seq: number; body: string }>("SELECT seq, body FROM live_events WHERE first_seq <= ? AND seq >= ?", seq, seq).one();
    const body = (JSON.parse(row.body) as unknown[][]).map((element) => (element[0] === seq ? [...element.slice(0, 3), { user: userId }] : element));
    state.storage.sql.exec("UPDATE live_events SET body = ? WHERE seq = ?", JSON.stringify(body), row.seq);
  });
}

describe("audience of one user", () => {
  it("replays a {user} event after since to that user and the moderators only, in the room and through a relay", async () => {
    const { target, modToken } = await moderatedRoom();
    const ana = uniqueUser("ana");
    const anaToken = await tokenFor(ana);
    const before = await comment(target, uniqueUser("author"), "before");
    const mine = await comment(target, ana, "for ana's eyes");
    const gone = await comment(target, ana, "for ana's eyes, then deleted");
    await comment(target, uniqueUser("author"), "after");
    await restrictInRing(target, mine.seq, ana);
    await restrictInRing(target, gone.seq, ana);
    // Deleting it rewrites its ring row with a tombstone, which keeps the audience.
    expect((await deleteComment(target, ana, gone.id)).status).toBe(200);

    // By seq: the deletion's own `comment_deleted` (a later seq) is stamped by the delete path.
    const replayed = (socket: LiveSocket) => socket.of("event").flatMap((f) => (f.replay ? [[f.seq, f.event.kind]] : []));
    const since = before.seq;
    const inRoom = { ana: await join(target, { token: anaToken, since }), bo: await join(target, { token: await tokenFor(uniqueUser("bo")), since }), mod: await join(target, { token: modToken, since }) };
    await setRelays(target, 0, 10);
    const relayed = { ana: await join(target, { token: anaToken, since }), anonymous: await join(target, { since }) };
    expect((await relay(target, 0).stats()).sockets).toBe(2);

    for (const socket of [inRoom.ana, inRoom.mod, relayed.ana]) {
      expect(replayed(socket)).toEqual(expect.arrayContaining([[mine.seq, "comment"], [gone.seq, "comment_deleted"]]));
    }
    for (const socket of [inRoom.bo, relayed.anonymous]) {
      const seqs = replayed(socket).map(([seq]) => seq);
      expect(seqs).not.toContain(mine.seq);
      expect(seqs).not.toContain(gone.seq);
      expect(seqs.length).toBeGreaterThan(0);
    }
    for (const socket of [...Object.values(inRoom), ...Object.values(relayed)]) socket.close();
  });
});

describe("audience over relays", () => {
  it("keeps moderators in the room and sends relayed viewers no mod log entry, live or replayed", async () => {
    const { target, modToken } = await moderatedRoom();
    await setRelays(target, 1, 10);
    const first = await join(target);
    const viewer = await join(target, { token: await tokenFor(uniqueUser("viewer")) });
    const mod = await join(target, { token: modToken });
    expect(await roomSockets(target)).toBe(2);
    expect((await relay(target, 0).stats()).sockets).toBe(1);

    const since = (await roomStub(target).snapshot(target)).seq;
    await ban(target, modToken, uniqueUser("troll"), "spam");
    await everyoneHas(target, [first, viewer, mod]);
    expect(modlogs(mod).map((m) => m.entry.action)).toEqual(["ban"]);
    expect(modlogs(viewer)).toEqual([]);
    expect(modlogs(first)).toEqual([]);

    const late = await join(target, { since });
    expect((await relay(target, 0).stats()).sockets).toBe(2);
    await everyoneHas(target, [late]);
    expect(late.of("event").some((f) => f.replay)).toBe(true);
    expect(modlogs(late)).toEqual([]);
    for (const socket of [first, viewer, mod, late]) socket.close();
  });

  it("sends a relayed event meant for one user to that user's sockets only", async () => {
    const target = uniqueTarget("stream");
    await setRelays(target, 1, 10);
    const first = await join(target);
    const ana = uniqueUser("ana");
    const anaSocket = await join(target, { token: await tokenFor(ana) });
    const bo = await join(target, { token: await tokenFor(uniqueUser("bo")) });
    const anonymous = await join(target);
    const stats = await relay(target, 0).stats();
    expect(stats.sockets).toBe(3);

    // The room's own push, as relay-fanout.ts sends one, made by hand so the event's audience
    // is the only thing under test (held comments make real ones: the test below).
    const through = stats.through ?? 0;
    const highlight = { kind: "comment_highlight" as const, id: "0a1b2c3d4e5f6g7hAbC123", highlighted: true };
    await relay(target, 0).receive({
      target,
      k: 0,
      after: through,
      through: through + 2,
      events: [
        { seq: through + 1, at: 1, event: highlight, audience: { user: ana } },
        { seq: through + 2, at: 1, event: { ...highlight, highlighted: false } },
      ],
    });
    for (const socket of [anaSocket, bo, anonymous]) await socket.next("event", (f) => f.seq === through + 2);
    expect(anaSocket.of("event").map((f) => f.seq)).toEqual([through + 1, through + 2]);
    expect(bo.of("event").map((f) => f.seq)).toEqual([through + 2]);
    expect(anonymous.of("event").map((f) => f.seq)).toEqual([through + 2]);
    for (const socket of [first, anaSocket, bo, anonymous]) socket.close();
  });

  it("sends a held comment's `held` and `held_resolved` to its author's relayed socket only, live and on a since replay through the relay", async () => {
    const { target, modToken } = await moderatedRoom();
    expect((await api("PATCH", targetPath(target, "/settings"), modToken, { premoderation: true })).status).toBe(200);
    await setRelays(target, 1, 10);
    const first = await join(target);
    const author = uniqueUser("author");
    const authorToken = await tokenFor(author);
    const viewerToken = await tokenFor(uniqueUser("viewer"));
    const mine = await join(target, { token: authorToken });
    const viewer = await join(target, { token: viewerToken });
    expect((await relay(target, 0).stats()).sockets).toBe(2);
    const since = (await roomStub(target).snapshot(target)).seq;

    const posted = await postComment(target, author, { text: uniqueText("wait for me") });
    expect(posted.status).toBe(202);
    const held = HeldComment.parse(await posted.json());
    await mine.next("event", (f) => f.event.kind === "held" && f.event.comment.id === held.id);
    expect((await api("POST", targetPath(target, `/comments/${held.id}/approve`), modToken)).status).toBe(200);
    await mine.next("event", (f) => f.event.kind === "held_resolved" && f.event.heldId === held.id);
    // A moderator's comment is never held: once every socket has it, the viewer had all it was sent.
    const marker = Comment.parse((await api("POST", targetPath(target, "/comments"), modToken, { text: "marker" })).body);
    for (const socket of [first, mine, viewer]) await socket.next("event", (f) => f.event.kind === "comment" && f.event.comment.id === marker.id);
    const heldKinds = (socket: LiveSocket, replay: boolean) =>
      socket.of("event").flatMap((f) => (f.replay === replay && (f.event.kind === "held" || f.event.kind === "held_resolved") ? [f.event.kind] : []));
    expect(heldKinds(mine, false)).toEqual(["held", "held_resolved"]);
    for (const socket of [viewer, first]) {
      expect(heldKinds(socket, false)).toEqual([]);
      expect(JSON.stringify(socket.frames)).not.toContain(held.id);
    }

    const late = { mine: await join(target, { token: authorToken, since }), viewer: await join(target, { token: viewerToken, since }) };
    expect((await relay(target, 0).stats()).sockets).toBe(4);
    expect(heldKinds(late.mine, true)).toEqual(["held", "held_resolved"]);
    expect(heldKinds(late.viewer, true)).toEqual([]);
    expect(JSON.stringify(late.viewer.frames)).not.toContain(held.id);
    // The viewer's replay holds the publication all the same: the filter took only what was not theirs.
    expect(late.viewer.of("event").some((f) => f.replay && f.event.kind === "comment" && f.event.comment.id === marker.id)).toBe(true);
    for (const socket of [first, mine, viewer, late.mine, late.viewer]) socket.close();
  });

  it("replays through a relay a held comment approved and a delayed one released as new, never marked edited", async () => {
    const { target, modToken } = await moderatedRoom();
    expect((await api("PATCH", targetPath(target, "/settings"), modToken, { publishDelaySeconds: 30 })).status).toBe(200);
    await setRelays(target, 1, 10);
    const first = await join(target);
    const viewer = await join(target, { token: await tokenFor(uniqueUser("viewer")) });
    expect((await relay(target, 0).stats()).sockets).toBe(1);
    const since = (await roomStub(target).snapshot(target)).seq;

    const author = uniqueUser("author");
    const hold = async (text: string) => {
      const posted = await postComment(target, author, { text });
      expect(posted.status).toBe(202);
      return HeldComment.parse(await posted.json());
    };
    const approved = await hold(uniqueText("approve me"));
    const approval = await api("POST", targetPath(target, `/comments/${approved.id}/approve`), modToken);
    expect(approval.status).toBe(200);
    const approvedId = HeldResolution.parse(approval.body).comment!.id;
    const released = await hold(uniqueText("release me"));
    // Its time comes: the stored release and the job's due time move into the past (publish-delay.test.ts).
    await runInDurableObject(roomStub(target), async (_room, state) => {
      state.storage.sql.exec("UPDATE delayed_comments SET release_at = release_at - 30001");
      state.storage.sql.exec("UPDATE alarm_jobs SET due_at = due_at - 30001 WHERE name = 'publish-delay'");
    });
    await runDurableObjectAlarm(roomStub(target));
    // Whatever the relay was told of those publications came before the marker.
    const marker = Comment.parse((await api("POST", targetPath(target, "/comments"), modToken, { text: "marker" })).body);
    await viewer.next("event", (f) => f.event.kind === "comment" && f.event.comment.id === marker.id);

    const published = (socket: LiveSocket, replay: boolean) =>
      socket.of("event").flatMap((f) => (f.replay === replay && f.event.kind === "comment" && f.event.comment.id !== marker.id ? [f.event.comment] : []));
    expect(published(viewer, false).map((c) => c.text)).toEqual([approved.text, released.text]);
    // What the relay catches a joining socket up from when its hello lags (relays/recent-events.ts).
    const recent = await runInDurableObject(relay(target, 0), (instance) => (instance as unknown as { recent: RecentEvents }).recent.after(since));
    const kept = (recent ?? []).flatMap((entry) => (entry.event.kind === "comment" && entry.event.comment.id !== marker.id ? [entry.event.comment] : []));
    expect(kept.map((c) => c.text)).toEqual([approved.text, released.text]);
    for (const comment of kept) expect(comment.editedAt).toBeUndefined();
    // A reconnect with since: the room's ring, through the relay.
    const late = await join(target, { since });
    expect((await relay(target, 0).stats()).sockets).toBe(2);
    const replayed = published(late, true);
    expect(replayed.map((c) => c.text)).toEqual([approved.text, released.text]);
    for (const comment of replayed) expect(comment.editedAt).toBeUndefined();

    // An approved edit still rewrites the relay's copy: the new text, marked edited.
    const edit = await api("PATCH", targetPath(target, `/comments/${approvedId}`), await tokenFor(author), { text: "second thoughts" });
    expect(edit.status, JSON.stringify(edit.body)).toBe(202);
    expect((await api("POST", targetPath(target, `/comments/${HeldComment.parse(edit.body).id}/approve`), modToken)).status).toBe(200);
    const after = Comment.parse((await api("POST", targetPath(target, "/comments"), modToken, { text: "marker after" })).body);
    await viewer.next("event", (f) => f.event.kind === "comment" && f.event.comment.id === after.id);
    const rewritten = await runInDurableObject(relay(target, 0), (instance) => (instance as unknown as { recent: RecentEvents }).recent.after(since));
    const quoted = (rewritten ?? []).find((entry) => entry.event.kind === "comment" && entry.event.comment.id === approvedId);
    expect(quoted?.event).toMatchObject({ comment: { text: "second thoughts", editedAt: expect.any(String) } });
    for (const socket of [first, viewer, late]) socket.close();
  });
});

describe("a change of role", () => {
  it("applies to the user's open socket at once: made moderator it gets the next entries, unmade it gets none", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const user = uniqueUser("helper");
    const socket = await join(target, { token: await tokenFor(user) });

    expect((await api("POST", targetPath(target, "/moderators"), ownerToken, { userId: user })).status).toBe(200);
    await ban(target, ownerToken, uniqueUser("troll"), "first");
    await everyoneHas(target, [socket]);
    expect(modlogs(socket).map((m) => m.entry.action)).toEqual(["moderator_add", "ban"]);

    expect((await api("DELETE", targetPath(target, `/moderators/${user}`), ownerToken)).status).toBe(200);
    await ban(target, ownerToken, uniqueUser("troll"), "second");
    await everyoneHas(target, [socket]);
    expect(modlogs(socket).map((m) => m.entry.action)).toEqual(["moderator_add", "ban"]);
    expect(socket.of("hello")).toHaveLength(1);
    socket.close();
  });

  it("makes the first caller's open socket the owner's when they register the target", async () => {
    const target = uniqueTarget("stream");
    const owner = uniqueUser("owner");
    const token = await tokenFor(owner);
    // A signed-in socket stores the room (its ticket is spent there) before anyone owns it.
    const socket = await join(target, { token });
    expect((await api("PUT", targetPath(target), token, { title: "Mine now" })).status).toBe(201);
    await ban(target, token, uniqueUser("troll"), "first act");
    await everyoneHas(target, [socket]);
    expect(modlogs(socket).map((m) => m.entry.action)).toEqual(["ban"]);
    socket.close();
  });

  it("takes a banned moderator's open socket out of the moderators' audience (the ban removes the role)", async () => {
    const { target, ownerToken, moderator, modToken } = await moderatedRoom();
    const socket = await join(target, { token: modToken });
    await ban(target, ownerToken, moderator, "no longer trusted");
    await ban(target, ownerToken, uniqueUser("troll"), "after the ban");
    await everyoneHas(target, [socket]);
    expect(modlogs(socket)).toEqual([]);
    socket.close();
  });

  it("takes an erased moderator's open socket out of the moderators' audience", async () => {
    const { target, ownerToken, moderator, modToken } = await moderatedRoom();
    const socket = await join(target, { token: modToken });
    await roomStub(target).forgetUser({ target, userId: moderator });
    await ban(target, ownerToken, uniqueUser("troll"), "after the erasure");
    await everyoneHas(target, [socket]);
    expect(modlogs(socket)).toEqual([]);
    socket.close();
  });

  it("closes a relayed socket of a user made moderator with 4307, and their reconnect lands in the room", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    // A ring that reaches back to the hello's seq, so the reconnect replays instead of resyncing.
    await comment(target, uniqueUser("author"), "first words");
    await setRelays(target, 1, 10);
    const first = await join(target);
    const user = uniqueUser("helper");
    const token = await tokenFor(user);
    const relayed = await join(target, { token });
    expect((await relay(target, 0).stats()).sockets).toBe(1);
    const since = relayed.of("hello")[0]!.seq;

    expect((await api("POST", targetPath(target, "/moderators"), ownerToken, { userId: user })).status).toBe(200);
    expect((await relayed.closed).code).toBe(CLOSE_CODES.moved);
    await waitFor(async () => (await relay(target, 0).stats()).sockets, (n) => n === 0, 5_000, "the relay to let the socket go");

    const again = await join(target, { token, since });
    expect(await roomSockets(target)).toBe(2);
    expect(modlogs(again).map((m) => [m.replay, m.entry.action])).toEqual([[true, "moderator_add"]]);
    first.close();
    again.close();
  });

  it("tells moderators of a new report live and on replay, and no one else, not even the reporter", async () => {
    const { target, modToken } = await moderatedRoom();
    const reporter = uniqueUser("reporter");
    const reporterToken = await tokenFor(reporter);
    const reported = await comment(target, uniqueUser("author"), "a reported comment");
    const moderatorSocket = await join(target, { token: modToken });
    const before = (await moderatorSocket.next("hello")).seq;
    const reporterSocket = await join(target, { token: reporterToken });
    const anonymous = await join(target);
    const filed = await api("POST", targetPath(target, `/comments/${reported.id}/report`), reporterToken, { reason: "spam" });
    expect(filed.status, JSON.stringify(filed.body)).toBeLessThan(300);
    const reports = (socket: LiveSocket) => socket.of("event").flatMap((f) => (f.event.kind === "report" ? [{ replay: f.replay, commentId: f.event.commentId, reports: f.event.reports }] : []));
    await moderatorSocket.next("event", (f) => f.event.kind === "report");
    expect(reports(moderatorSocket)).toEqual([{ replay: false, commentId: reported.id, reports: 1 }]);
    await everyoneHas(target, [moderatorSocket, reporterSocket, anonymous]);
    expect(reports(reporterSocket)).toEqual([]);
    expect(reports(anonymous)).toEqual([]);
    // The same report again files nothing new, so no second event.
    expect((await api("POST", targetPath(target, `/comments/${reported.id}/report`), reporterToken, { reason: "spam" })).status).toBeLessThan(300);
    const replayedByModerator = await join(target, { token: modToken, since: before });
    const replayedByReporter = await join(target, { token: reporterToken, since: before });
    expect(reports(replayedByModerator)).toEqual([{ replay: true, commentId: reported.id, reports: 1 }]);
    expect(reports(replayedByReporter)).toEqual([]);
    for (const socket of [moderatorSocket, reporterSocket, anonymous, replayedByModerator, replayedByReporter]) socket.close();
  });
});
