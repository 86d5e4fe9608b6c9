import { describe, expect, it } from "vitest";
import { ServerFrame } from "../../protocol/live";
import { PROTOCOL_VERSION } from "../../protocol/wire-constants";
import * as mini from "../../protocol/mini/live";
import { readServerFrame } from "../../client/live";

// Installed clients outlive deploys (docs/realtime.md#protocol-versions): a newer server may send
// frame types, event kinds and fields an older client does not know. Each reader a client ships
// (the SDK's client/live.ts, the embed's zod/mini mirrors) must skip what it does not know and
// keep the rest, and must read the `incompatible` frame of a server of ANY other version.

const settings = { commentsEnabled: true, slowModeSeconds: 0, membersOnly: false, maxCommentLength: 500, filter: "mask", reactions: ["like"], emoteOnly: false, uniqueChat: false, newcomerWaitMinutes: 0, editWindowMinutes: 15, premoderation: false, newcomerLinkMinutes: 0, hideAfterReports: 0, publishDelaySeconds: 0 };
const comment = {
  id: "0a1b2c3d4e5f6g7hAbC123",
  target: "post:abc",
  author: { id: "site|ana", name: "Ana" },
  text: "hola",
  mentions: [],
  replyTo: null,
  createdAt: "2026-12-06T10:00:00.000Z",
  seq: 4,
  reactions: {},
  replies: 0,
  highlighted: false,
  deleted: false,
};
const hello = { type: "hello", protocol: PROTOCOL_VERSION, target: "post:abc", count: 3, viewers: 1, seq: 9, resync: false, replay: 0, user: null, comments: 1, reactions: {}, pinned: comment, settings };

/** The three readers: each answers the frame it would act on, or null for one it ignores. */
const readers: Array<[string, (frame: unknown) => unknown]> = [
  ["client/live.ts", (frame) => readServerFrame(JSON.stringify(frame))],
  ["protocol/mini (embed)", (frame) => mini.ServerFrame.safeParse(frame).data ?? null],
  ["protocol/live.ts", (frame) => ServerFrame.safeParse(frame).data ?? null],
];

describe.each(readers)("%s reading a newer server", (_name, read) => {
  it("ignores an event of a kind it does not know, and still reads the known kinds after it", () => {
    expect(read({ type: "event", seq: 10, at: 1, replay: false, event: { kind: "poll_vote", option: 2 } })).toBeNull();
    expect(read({ type: "event", seq: 11, at: 1, replay: false, event: { kind: "like", count: 4 } })).toEqual({ type: "event", seq: 11, at: 1, replay: false, event: { kind: "like", count: 4 } });
  });

  it("ignores a frame type it does not know", () => {
    expect(read({ type: "typing", users: ["ana"] })).toBeNull();
    expect(read({ type: "viewers", viewers: 2 })).toEqual({ type: "viewers", viewers: 2 });
  });

  it("drops fields it does not know, at any depth, and keeps the frame", () => {
    const grown = {
      ...hello,
      region: "eu",
      user: { id: "site|ana", badge: "owner" },
      pinned: { ...comment, translatedText: "hola", author: { ...comment.author, avatar: "a.png" } },
      settings: { ...settings, linksAllowed: false },
    };
    expect(read(grown)).toEqual({ ...hello, user: { id: "site|ana" } });
    expect(read({ type: "event", seq: 12, at: 1, replay: false, origin: "relay", event: { kind: "like", count: 5, by: "x" } })).toEqual({
      type: "event",
      seq: 12,
      at: 1,
      replay: false,
      event: { kind: "like", count: 5 },
    });
  });

  it("reads a mod log entry a moderator's socket is sent (issue 21), also one whose action it does not know yet", () => {
    const entry = { id: 7, at: "2026-12-06T10:00:00.000Z", moderator: "site|bo", action: "ban", userId: "site|troll", commentId: null, reason: "spam", detail: null };
    const frame = { type: "event", seq: 14, at: 1, replay: false, event: { kind: "modlog", entry } };
    expect(read(frame)).toEqual(frame);
    const later = { ...frame, event: { kind: "modlog", entry: { ...entry, action: "approve" } } };
    expect(read(later)).toEqual(later);
  });

  it("reads the incompatible frame of a server that speaks another version", () => {
    for (const protocol of [PROTOCOL_VERSION + 1, PROTOCOL_VERSION + 7, 1]) {
      const frame = { type: "incompatible", protocol, message: `server speaks protocol ${protocol}, client asked for ${PROTOCOL_VERSION}` };
      expect(read(frame)).toEqual(frame);
    }
  });
});

describe("client/live.ts's reader", () => {
  it("ignores what is not a JSON text frame instead of throwing", () => {
    for (const data of ["{", "", "null", "7", '"pong"', new ArrayBuffer(4), undefined]) expect(readServerFrame(data)).toBeNull();
  });
});
