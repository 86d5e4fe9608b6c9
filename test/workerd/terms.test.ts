import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Comment } from "../../protocol/comments";
import { HeldComment } from "../../protocol/held";
import { TERMS_LIMITS, TermsBody } from "../../protocol/moderation";
import type { TargetRoom } from "../../durable-objects/target-room";
import type { ModerationDesk } from "../../durable-objects/moderation/moderation-desk";
import { roomStub, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { postComment } from "./comment-helpers";
import { api, registerAs, targetPath } from "./moderation-helpers";

async function roomWithTerms(terms: TermsBody, filter?: "mask" | "reject" | "off") {
  const target = uniqueTarget("stream");
  const ownerToken = await registerAs(target, uniqueUser("owner"));
  const put = await api("PUT", targetPath(target, "/terms"), ownerToken, terms);
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  if (filter) expect((await api("PATCH", targetPath(target, "/settings"), ownerToken, { filter })).status).toBe(200);
  return { target, ownerToken };
}

async function post(target: string, text: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await postComment(target, uniqueUser(), { text });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The room's desk, as the comment path would reach it. */
/** The room's ModerationDesk, reached through its core (durable-objects/room/room-core.ts). */
function deskOf(room: TargetRoom): ModerationDesk {
  return (room as unknown as { core: { parts(): { moderation: ModerationDesk } } }).core.parts().moderation;
}

describe("terms", () => {
  it("lets moderators set and read both lists, and answers others 403 in the house error shape", async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const moderator = uniqueUser("mod");
    expect((await api("POST", targetPath(target, "/moderators"), ownerToken, { userId: moderator })).status).toBe(200);
    const modToken = await tokenFor(moderator);

    expect((await api("GET", targetPath(target, "/terms"), modToken)).body).toEqual({ blocked: [], suspect: [] });
    const put = await api("PUT", targetPath(target, "/terms"), modToken, { blocked: ["spam*", " scam ", "spam*"], suspect: ["crypto"] });
    expect(put).toMatchObject({ status: 200, body: { blocked: ["spam*", "scam"], suspect: ["crypto"] } });
    expect((await api("GET", targetPath(target, "/terms"), ownerToken)).body).toEqual({ blocked: ["spam*", "scam"], suspect: ["crypto"] });

    const stranger = await tokenFor(uniqueUser());
    for (const [method, body] of [["GET", undefined], ["PUT", { blocked: [], suspect: [] }]] as const) {
      const answer = await api(method, targetPath(target, "/terms"), stranger, body);
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({ error: { code: "forbidden", message: expect.any(String) } });
    }
    expect((await api("GET", targetPath(target, "/terms"), null)).status).toBe(401);
    expect((await api("GET", targetPath(target, "/terms"), modToken)).body).toEqual({ blocked: ["spam*", "scam"], suspect: ["crypto"] });
  });

  it(`takes ${TERMS_LIMITS.entriesPerList} entries of ${TERMS_LIMITS.charactersPerEntry} four-byte characters per list, and refuses more with 400 and details`, async () => {
    const target = uniqueTarget("stream");
    const ownerToken = await registerAs(target, uniqueUser("owner"));
    const full = Array.from({ length: TERMS_LIMITS.entriesPerList }, (_, i) => `${String.fromCodePoint(0x1d400 + i)}${"😀".repeat(TERMS_LIMITS.charactersPerEntry - 1)}`);
    const ok = await api("PUT", targetPath(target, "/terms"), ownerToken, { blocked: full, suspect: full });
    expect(ok.status, JSON.stringify(ok.body).slice(0, 300)).toBe(200);

    const refused = [
      { blocked: [...full, "one more"], suspect: [] },
      { blocked: ["x".repeat(TERMS_LIMITS.charactersPerEntry + 1)], suspect: [] },
      { blocked: ["* *"], suspect: [] },
      { blocked: ["\u200b*"], suspect: [] },
      { blocked: [""], suspect: [] },
      { blocked: [] },
      { blocked: [], suspect: [], extra: [] },
    ];
    for (const body of refused) {
      const answer = await api("PUT", targetPath(target, "/terms"), ownerToken, body);
      expect(answer.status, JSON.stringify(body).slice(0, 100)).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: "invalid_request", details: expect.anything() } });
    }
    expect(((await api("GET", targetPath(target, "/terms"), ownerToken)).body as TermsBody).blocked).toHaveLength(TERMS_LIMITS.entriesPerList);
  });

  it("masks a blocked term under the `mask` filter, through zero-width characters, marks and wildcards", async () => {
    const { target } = await roomWithTerms({ blocked: ["spam*", "scam"], suspect: [] });
    for (const [text, stored] of [
      ["no s\u200bp\u0301am here", "no **** here"],
      ["SPAMMERS everywhere", "******** everywhere"],
      ["a scam, really", "a ****, really"],
      ["a scampi dinner", "a scampi dinner"],
    ]) {
      const answer = await post(target, text!);
      expect(answer.status, text).toBe(201);
      expect(Comment.parse(answer.body).text, JSON.stringify(text)).toBe(stored);
    }
  });

  it("refuses a blocked term with 400 blocked_term under the `reject` filter, storing nothing", async () => {
    const { target } = await roomWithTerms({ blocked: ["buy * now"], suspect: [] }, "reject");
    expect(await post(target, "Buy it NOW")).toMatchObject({ status: 400, body: { error: { code: "blocked_term" } } });
    expect((await post(target, "buy it later")).status).toBe(201);
    const list = await api("GET", targetPath(target, "/comments"), null);
    expect((list.body.items as Comment[]).map((item) => item.text)).toEqual(["buy it later"]);
  });

  it("keeps masking blocked terms when the built-in filter is `off`", async () => {
    const { target } = await roomWithTerms({ blocked: ["scam"], suspect: [] }, "off");
    expect(Comment.parse((await post(target, "what a scam")).body).text).toBe("what a ****");
    expect(Comment.parse((await post(target, "fuck")).body).text).toBe("fuck");
  });

  it("applies a replaced list to the next comment", async () => {
    const { target, ownerToken } = await roomWithTerms({ blocked: ["first"], suspect: [] }, "reject");
    expect((await post(target, "first")).status).toBe(400);
    expect((await api("PUT", targetPath(target, "/terms"), ownerToken, { blocked: ["second"], suspect: [] })).status).toBe(200);
    expect((await post(target, "first")).status).toBe(201);
    expect((await post(target, "second")).status).toBe(400);
  });

  it("matches suspect terms for the comment path, which holds the comment for review", async () => {
    const { target } = await roomWithTerms({ blocked: ["scam"], suspect: ["crypto*", "死"] }, "reject");
    const answer = await post(target, "Crypto gains");
    // The review queue has landed: a suspect term holds (test/workerd/held-comments.test.ts).
    expect(answer.status).toBe(202);
    expect(HeldComment.parse(answer.body)).toMatchObject({ text: "Crypto gains", heldFor: "suspect_term" });
    await runInDurableObject(roomStub(target), (room) => {
      expect(deskOf(room).matchTerms("CRYPTOCURRENCY is a s\u200bcam")).toEqual({ blocked: ["scam"], suspect: ["crypto*"] });
      expect(deskOf(room).matchTerms("你去死吧")).toEqual({ blocked: [], suspect: ["死"] });
      expect(deskOf(room).matchTerms("nothing here")).toEqual({ blocked: [], suspect: [] });
    });
  });
});
