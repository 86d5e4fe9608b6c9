import { describe, expect, it } from "vitest";
import { Comment } from "../../protocol/comments";
import { matchKey, normaliseText } from "../../protocol/text";
import { postComment, listComments } from "./comment-helpers";
import { tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { LiveSocket } from "./live-socket";
import { api, registerAs, targetPath } from "./moderation-helpers";

/**
 * Text that hides: characters that show nothing, split words or stack marks, and UTF-16 that
 * cannot be stored. One normaliser (protocol/text.ts) decides what every check sees.
 */

const INVISIBLE_ONLY = [
  "\u200b",
  "\u2060\u2060",
  "\u00ad",
  "\u3164",
  "\u2800\u2800",
  "\u200e\u200f\u202e\u2066\u2069",
  "\ufe0f\ufe0e",
  "\u200d\u200c",
  " \u200b \u3164 \u2800 ",
  "\u0301\u0301\u0301",
  "\u{e0041}\u{e0042}",
];

async function errorOf(res: Response): Promise<{ status: number; code: string }> {
  const body = (await res.json()) as { error: { code: string } };
  return { status: res.status, code: body.error.code };
}

describe("the text normaliser", () => {
  it("finds nothing visible in invisible-only text and keeps emoji sequences whole", () => {
    for (const text of [...INVISIBLE_ONLY, "\ufeff"]) expect(normaliseText(text), JSON.stringify(text)).toMatchObject({ ok: true, visible: false });
    for (const emoji of ["👨‍👩‍👧", "🏳️‍🌈", "❤️", "🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}", "می‌خواهم"]) {
      expect(normaliseText(emoji)).toEqual({ ok: true, text: emoji, length: [...emoji].length, visible: true });
    }
    expect(normaliseText("a\u200bb\u202ec\u00add\u2060e")).toMatchObject({ text: "abcde", length: 5 });
    // A joiner or selector that joins nothing is dropped: it only hid something.
    expect(normaliseText("\u200dhi\u200d \ufe0fthere")).toMatchObject({ text: "hi there" });
    expect(normaliseText("\ud800 lone")).toMatchObject({ ok: false, code: "text_ill_formed" });
    expect(normaliseText("\udc00")).toMatchObject({ ok: false, code: "text_ill_formed" });
    expect(normaliseText("e\u0301")).toMatchObject({ text: "\u00e9", length: 1 });
  });

  it("compares by a key that ignores case, accents, joiners, spacing and full-width letters", () => {
    const key = (text: string) => matchKey(text).key;
    expect(key("Héllo\u200d  World")).toBe("hello world");
    expect(key("ＨＥＬＬＯ 𝐰𝐨𝐫𝐥𝐝")).toBe("hello world");
    expect(key("h\u0301\u0302\u0303e\u0300llo")).toBe("hello");
    expect(key("a\u2800\u2800b")).toBe("a b");
  });

  it("is linear: 100,000 characters of the worst kinds take well under a second each", () => {
    for (const unit of ["\u200d", "a\u200d", "\u200d\u200b", "\u0301", "\u{e0067}", "\ufe0f", " \u2800"]) {
      const text = unit.repeat(100_000 / unit.length);
      const started = performance.now();
      normaliseText(text);
      matchKey(text);
      expect(performance.now() - started, JSON.stringify(unit)).toBeLessThan(2_500);
    }
  });
});

describe("comments made of invisible characters", () => {
  it("refuses invisible-only text with 400 text_invisible over REST and the socket, storing nothing", async () => {
    const target = uniqueTarget("stream");
    const user = uniqueUser();
    for (const text of INVISIBLE_ONLY) {
      expect(await errorOf(await postComment(target, user, { text })), JSON.stringify(text)).toEqual({ status: 400, code: "text_invisible" });
    }
    const socket = await LiveSocket.open(target, { token: await tokenFor(user) });
    await socket.next("hello");
    INVISIBLE_ONLY.forEach((text, i) => socket.send({ type: "comment", id: `inv-${i}`, text }));
    for (const i of INVISIBLE_ONLY.keys()) {
      expect((await socket.next("error", (frame) => frame.id === `inv-${i}`)).error.code).toBe("text_invisible");
    }
    socket.close();
    expect((await listComments(target)).items).toEqual([]);
  });

  it("stores text without the invisible characters around and inside it", async () => {
    const target = uniqueTarget("stream");
    const res = await postComment(target, uniqueUser(), { text: "\u200b\u3164 hel\u200blo\u00ad \u2060" });
    expect(res.status).toBe(201);
    expect(Comment.parse(await res.json()).text).toBe("hello");
  });

  it("counts a zero-width, case or accent variant as the same comment within 30 s", async () => {
    const target = uniqueTarget("stream");
    const user = uniqueUser();
    expect((await postComment(target, user, { text: "first!" })).status).toBe(201);
    for (const variant of ["fir\u200bst!", "fir\u200dst!", "FIRST!", "fírst!", "ｆｉｒｓｔ!", " first!\u2060 "]) {
      expect(await errorOf(await postComment(target, user, { text: variant })), JSON.stringify(variant)).toEqual({
        status: 422,
        code: "duplicate_comment",
      });
    }
    expect((await listComments(target)).items).toHaveLength(1);
  });
});

describe("the profanity filter", () => {
  it("sees through zero-width splits and stacked combining marks, masking and rejecting", async () => {
    const target = uniqueTarget("stream");
    const owner = uniqueUser("owner");
    const ownerToken = await registerAs(target, owner);
    const hidden = ["f\u200buck", "f\u200duck", "s\u200ch\u200ci\u200ct", "f\u0301u\u0308c\u0327k\u0301", "f\u0301\u0302\u0303\u0304uck", "fu\u2060ck", "ｆ\u200bｕｃｋ"];
    for (const text of hidden) {
      const res = await postComment(target, uniqueUser(), { text: `well ${text} that` });
      expect(res.status, text).toBe(201);
      const stored = Comment.parse(await res.json()).text;
      expect(stored, JSON.stringify(text)).toMatch(/^well \*{3,} that$/);
    }
    expect((await api("PATCH", targetPath(target, "/settings"), ownerToken, { filter: "reject" })).status).toBe(200);
    for (const text of hidden) {
      expect(await errorOf(await postComment(target, uniqueUser(), { text })), JSON.stringify(text)).toEqual({ status: 400, code: "text_rejected" });
    }
  });
});

describe("ill-formed UTF-16", () => {
  it("refuses lone surrogates with 400 text_ill_formed over REST and the socket, storing nothing", async () => {
    const target = uniqueTarget("stream");
    const user = uniqueUser();
    const bad = ["\ud800".repeat(500), "ok \udc00", "\ud83d", "tail \ud83d\ud83d"];
    for (const text of bad) {
      expect(await errorOf(await postComment(target, user, { text }))).toEqual({ status: 400, code: "text_ill_formed" });
    }
    const socket = await LiveSocket.open(target, { token: await tokenFor(user) });
    await socket.next("hello");
    // JSON.stringify escapes a lone surrogate as \ud800: the frame is valid UTF-8 carrying one.
    bad.forEach((text, i) => socket.send({ type: "comment", id: `bad-${i}`, text }));
    for (const i of bad.keys()) {
      expect((await socket.next("error", (frame) => frame.id === `bad-${i}`)).error.code).toBe("text_ill_formed");
    }
    socket.close();
    expect((await listComments(target)).items).toEqual([]);
  });

  it("refuses lone surrogates in the other text a room stores: titles, ban and report reasons", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await tokenFor(uniqueUser("owner"));
    const refused = async (method: string, path: string, body: unknown) => {
      const answer = await api(method, path, ownerToken, body);
      expect(answer, `${method} ${path}`).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    };
    await refused("PUT", targetPath(target), { title: "launch \ud800" });
    expect((await api("PUT", targetPath(target), ownerToken, { title: "launch" })).status).toBe(201);
    await refused("PUT", targetPath(target), { title: "\udc00 relaunch" });
    await refused("POST", targetPath(target, "/bans"), { userId: uniqueUser(), reason: "spam \ud83d" });
    const { id } = Comment.parse(await (await postComment(target, uniqueUser(), { text: "report me" })).json());
    await refused("POST", targetPath(target, `/comments/${id}/report`), { reason: "\ud800" });
    expect((await api("GET", targetPath(target), null)).body).toMatchObject({ title: "launch" });
  });

  it("acknowledges exactly the text it stores, over REST and the socket", async () => {
    const target = uniqueTarget("stream");
    const user = uniqueUser();
    const texts = ["  😀 e\u0301 \u{1d400} ﬁ 🏳️‍🌈 \u202ex\r\ny ", "👩🏽‍💻 ok", "tab\there"];
    const acked: Comment[] = [];
    for (const text of texts) acked.push(Comment.parse(await (await postComment(target, user, { text })).json()));
    const socket = await LiveSocket.open(target, { token: await tokenFor(user) });
    await socket.next("hello");
    socket.send({ type: "comment", id: "s-1", text: "socket \u0041\u030a\u200b text" });
    const ack = await socket.next("ack", (frame) => frame.id === "s-1");
    acked.push(Comment.parse(ack.comment));
    socket.close();
    const stored = new Map((await listComments(target)).items.map((c) => [c.id, c.text]));
    for (const comment of acked) expect(stored.get(comment.id)).toBe(comment.text);
    expect(acked[3]!.text).toBe("socket \u00c5 text");
  });
});
