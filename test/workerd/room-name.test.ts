import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub, uniqueTarget, uniqueUser } from "./helpers";

describe("a room's own name", () => {
  it("knows its target from its id's name: even a first call naming another target is refused", async () => {
    const target = uniqueTarget();
    // Called inside the object: a refusal thrown across RPC would surface as an uncaught error.
    await runInDurableObject(roomStub(target), (room) => expect(room.snapshot(uniqueTarget())).rejects.toThrow(`room for ${target} was called as`));
    // The refusal stored nothing and bound nothing: the right name still works.
    expect((await roomStub(target).snapshot(target)).likes).toBe(0);
  });

  it("takes its first call's target where an id carries no name (idFromString), stores it, and holds later calls to it", async () => {
    const target = uniqueTarget();
    // Never woken by name: the object is built from an id that carries none.
    const unnamed = env.TARGET_ROOM.get(env.TARGET_ROOM.idFromString(env.TARGET_ROOM.idFromName(target).toString()));
    await unnamed.applyLikes({ target, ops: [{ userId: uniqueUser(), action: "like" }], unlimited: true });
    await runInDurableObject(unnamed, (room) => expect(room.snapshot(uniqueTarget())).rejects.toThrow(`room for ${target} was called as`));
    expect(await unnamed.snapshot(target)).toMatchObject({ target, likes: 1 });
    expect(await runInDurableObject(unnamed, (_room, state) => state.storage.sql.exec<{ value: string }>("SELECT value FROM room_meta WHERE key = 'target'").one().value)).toBe(target);
  });
});
