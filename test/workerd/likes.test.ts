import { describe, expect, it } from "vitest";
import { like, tokenFor, uniqueTarget, uniqueUser, postJson, call } from "./helpers";

describe("likes", () => {
  it("counts a user's second like once", async () => {
    const target = uniqueTarget();
    const user = uniqueUser();
    const first = await like(target, user);
    const second = await like(target, user);
    expect(first).toEqual({ status: 200, body: { target, liked: true, count: 1, changed: true, seq: 1 } });
    expect(second).toEqual({ status: 200, body: { target, liked: true, count: 1, changed: false, seq: 1 } });
  });
});
