import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Comment } from "../../protocol/comments";
import { HeldComment } from "../../protocol/held";
import { relayName } from "../../protocol/internal/relay-rpc";
import { call, tokenFor, uniqueUser } from "./helpers";
import { comment, postComment } from "./comment-helpers";
import { LiveSocket } from "./live-socket";
import { api, moderatedRoom, targetPath } from "./moderation-helpers";

/**
 * The hello's `yours` (docs/moderation.md "Held comments", "Restrictions"): REST pages are
 * public and cached, so an author's held comments, held edits and shadowed comments reach them
 * after a reload only through their own hello, over a room socket and over a relay's alike.
 */

/**
 * A premoderated room where `author` has a published comment, a held comment and a held edit
 * of the published one, and the restricted `troll` a shadowed comment.
 */
async function roomWithWaiting() {
  const room = await moderatedRoom();
  const { target, ownerToken } = room;
  const author = uniqueUser("author");
  const authorToken = await tokenFor(author);
  const published = await comment(target, author, "published before premoderation");
  expect((await api("PATCH", targetPath(target, "/settings"), ownerToken, { premoderation: true })).status).toBe(200);
  const troll = uniqueUser("troll");
  expect((await api("POST", targetPath(target, "/restrictions"), ownerToken, { userId: troll })).status).toBe(201);

  const posted = await postComment(target, author, { text: "waiting for a moderator" });
  expect(posted.status).toBe(202);
  const held = HeldComment.parse(await posted.json());
  const edited = await api("PATCH", targetPath(target, `/comments/${published.id}`), authorToken, { text: "an edit waiting too" });
  expect(edited.status, JSON.stringify(edited.body)).toBe(202);
  const heldEdit = HeldComment.parse(edited.body);
  const shadowedAnswer = await postComment(target, troll, { text: "only I see this" });
  expect(shadowedAnswer.status).toBe(201);
  const shadowed = Comment.parse(await shadowedAnswer.json());
  return { ...room, author, authorToken, troll, trollToken: await tokenFor(troll), published, held, heldEdit, shadowed };
}

async function helloOf(target: string, token?: string) {
  const socket = await LiveSocket.open(target, token === undefined ? {} : { token });
  const hello = await socket.next("hello");
  socket.close();
  return hello;
}

async function useRelays(target: string): Promise<LiveSocket> {
  const res = await call(`/v1/admin/targets/${encodeURIComponent(target)}/relays`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor(uniqueUser("admin"), { roles: ["admin"] })}` },
    body: JSON.stringify({ threshold: 1, perRelay: 10 }),
  });
  expect(res.status).toBe(200);
  // The room keeps one socket: every later one is a relay's.
  const first = await LiveSocket.open(target);
  await first.next("hello");
  return first;
}

describe("the hello's yours", () => {
  it("shows the author their held comment and held edit, oldest first, and the restricted author their shadowed comment as they were shown it; no one else", async () => {
    const { target, modToken, authorToken, trollToken, held, heldEdit, published, shadowed } = await roomWithWaiting();
    expect(heldEdit.editOf).toBe(published.id);

    expect((await helloOf(target, authorToken)).yours).toEqual({ held: [held, heldEdit], comments: [] });
    expect((await helloOf(target, trollToken)).yours).toEqual({ held: [], comments: [shadowed] });
    // Not a moderator's either: they read the queue through GET .../held.
    expect((await helloOf(target, modToken)).yours).toBeUndefined();
    expect((await helloOf(target, await tokenFor(uniqueUser("reader")))).yours).toBeUndefined();
    expect((await helloOf(target)).yours).toBeUndefined();
  });

  it("leaves what a moderator approved or denied out of the next hello", async () => {
    const { target, modToken, authorToken, trollToken, held, heldEdit, shadowed } = await roomWithWaiting();
    expect((await api("POST", targetPath(target, `/comments/${held.id}/approve`), modToken)).status).toBe(200);
    expect((await helloOf(target, authorToken)).yours).toEqual({ held: [heldEdit], comments: [] });
    expect((await api("POST", targetPath(target, `/comments/${heldEdit.id}/deny`), modToken)).status).toBe(200);
    expect((await helloOf(target, authorToken)).yours).toBeUndefined();
    expect((await api("POST", targetPath(target, `/comments/${shadowed.id}/deny`), modToken)).status).toBe(200);
    expect((await helloOf(target, trollToken)).yours).toBeUndefined();
  });

  it("comes the same in a hello a relay builds, to the author's relayed socket only", async () => {
    const { target, authorToken, trollToken, held, heldEdit, shadowed } = await roomWithWaiting();
    const inRoom = await useRelays(target);
    const [mine, troll, reader, anonymous] = [
      await LiveSocket.open(target, { token: authorToken }),
      await LiveSocket.open(target, { token: trollToken }),
      await LiveSocket.open(target, { token: await tokenFor(uniqueUser("reader")) }),
      await LiveSocket.open(target),
    ];
    const hellos = [];
    for (const socket of [mine, troll, reader, anonymous]) hellos.push(await socket.next("hello"));
    expect((await env.LIVE_RELAY.get(env.LIVE_RELAY.idFromName(relayName(target, 0))).stats()).sockets).toBe(4);
    expect(hellos.map((hello) => hello.yours)).toEqual([{ held: [held, heldEdit], comments: [] }, { held: [], comments: [shadowed] }, undefined, undefined]);
    for (const socket of [inRoom, mine, troll, reader, anonymous]) socket.close();
  });
});
