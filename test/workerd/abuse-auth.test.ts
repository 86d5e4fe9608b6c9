import { describe, expect, it } from "vitest";
import { call, like, tokenFor, uniqueTarget, uniqueUser } from "./helpers";
import { comment } from "./comment-helpers";
import { registerAs } from "./moderation-helpers";
import { LiveSocket } from "./live-socket";
import { CLOSE_CODES } from "../../protocol/live";
import { answerOf, expectRefused, roomFingerprint } from "./fuzz-helpers";
import { BODY_ROUTES, BODYLESS_WRITES, type RouteIds } from "./fuzz-routes";
import { forgedAuthorizations } from "./abuse-helpers";
import { printReliability } from "./reliability-record";

/**
 * The token attacks of the threat model against every route that needs a token, REST and
 * live: each is a 401 in the error shape, the room's storage is untouched, and the real
 * user (whom the forged tokens name) can still write.
 */

async function seededRoom(): Promise<RouteIds & { ownerToken: string }> {
  const target = uniqueTarget("stream");
  const owner = uniqueUser("owner");
  const ownerToken = await registerAs(target, owner);
  const seeded = await comment(target, uniqueUser("author"), "seeded comment");
  await like(target, uniqueUser("liker"));
  return { target, comment: seeded.id, user: owner, ownerToken };
}

describe("forged, tampered and expired tokens", () => {
  it("refuses every token attack with 401 on every write route and leaves the room as it was", async () => {
    const room = await seededRoom();
    const attacks = await forgedAuthorizations(room.user);
    const routes = [
      ...BODY_ROUTES.filter((route) => route.auth).map((route) => ({ name: route.name, method: route.method, path: route.path(room), body: JSON.stringify(route.valid(room)) })),
      ...BODYLESS_WRITES.map((route) => ({ name: route.name, method: route.method, path: route.path(room), body: undefined })),
    ];
    const before = await roomFingerprint(room.target);
    let tried = 0;
    let refused = 0;
    for (const route of routes) {
      for (const [attack, authorization] of attacks) {
        tried++;
        const headers: Record<string, string> = { "content-type": "application/json", ...(authorization === null ? {} : { authorization }) };
        const answer = await answerOf(await call(route.path, { method: route.method, headers, ...(route.body === undefined ? {} : { body: route.body }) }));
        expectRefused(answer, `${route.name} with ${attack}`);
        expect(answer.status, `${route.name} with ${attack}: ${answer.text}`).toBe(401);
        refused++;
      }
    }
    expect(await roomFingerprint(room.target)).toBe(before);
    // The owner the forgeries named still acts with their real token.
    const stats = await answerOf(await call(`/v1/targets/${room.target}/stats`));
    const likesBefore = (stats.body as { likes: number }).likes;
    const real = await like(room.target, room.user);
    expect(real).toMatchObject({ status: 200, body: { liked: true, count: likesBefore + 1 } });
    printReliability({ kind: "bad-input", suite: "abuse: forged tokens on REST writes", tried, refused });
  });

  it("ignores a token offered in the query string, a cookie or another header of a REST write", async () => {
    const room = await seededRoom();
    const valid = await tokenFor(room.user);
    const before = await roomFingerprint(room.target);
    const body = JSON.stringify({ target: room.target, action: "like" });
    const attempts: [string, RequestInit & { headers: Record<string, string> }][] = [
      [`/v1/likes?token=${valid}`, { method: "POST", headers: { "content-type": "application/json" }, body }],
      ["/v1/likes", { method: "POST", headers: { "content-type": "application/json", cookie: `token=${valid}` }, body }],
      ["/v1/likes", { method: "POST", headers: { "content-type": "application/json", "x-auth-token": valid }, body }],
      ["/v1/likes", { method: "POST", headers: { "content-type": "application/json", "proxy-authorization": `Bearer ${valid}` }, body }],
    ];
    for (const [path, init] of attempts) {
      const answer = await answerOf(await call(path, init));
      expectRefused(answer, `${path} ${JSON.stringify(init.headers)}`);
      expect(answer.status).toBe(401);
    }
    expect(await roomFingerprint(room.target)).toBe(before);
    printReliability({ kind: "bad-input", suite: "abuse: tokens outside Authorization", tried: attempts.length, refused: attempts.length });
  });

  it("refuses a live sign-in with any forged token, so no socket can write, and the room's viewers stay exact", async () => {
    const room = await seededRoom();
    const viewer = await LiveSocket.open(room.target);
    const hello = await viewer.next("hello");
    expect(hello.viewers).toBe(1);
    const before = await roomFingerprint(room.target);
    const attacks = (await forgedAuthorizations(room.user)).filter(([, header]) => header?.startsWith("Bearer ") && header.length > "Bearer ".length);
    let refused = 0;
    for (const [attack, header] of attacks) {
      // A socket signs in with a ticket, and only the ticket route ever sees the token.
      const res = await call("/v1/live/tickets", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: header! },
        body: JSON.stringify({ target: room.target }),
      });
      const answer = await answerOf(res);
      expect(res.webSocket, attack).toBeNull();
      expectRefused(answer, `live ticket with ${attack}`);
      // A token the query schema refuses (over 4 KB) is a 400; every other forgery is a 401.
      expect([400, 401], `${attack}: ${answer.status} ${answer.text}`).toContain(answer.status);
      // The same forgery offered as a ticket is closed with 4401 and never counted as a viewer.
      const asTicket = await LiveSocket.openRaw(room.target, { ticket: header!.slice("Bearer ".length).slice(0, 4096) });
      expect((await asTicket.closed).code, attack).toBe(CLOSE_CODES.ticketInvalid);
      refused++;
    }
    expect(await roomFingerprint(room.target)).toBe(before);
    // No refused upgrade ever counted as a viewer: a new socket makes two, not more.
    const second = await LiveSocket.open(room.target);
    expect((await second.next("hello")).viewers).toBe(2);
    second.close();
    viewer.close();
    printReliability({ kind: "bad-input", suite: "abuse: forged tokens on live upgrades", tried: attacks.length, refused });
  });
});
