import { expect } from "vitest";
import { DeletionReceiptResponse } from "../../protocol/deletion";
import { call, postJson, tokenFor } from "./helpers";
import { waitFor } from "./wait";

export async function react(target: string, userId: string, emoji: string) {
  const res = await postJson("/v1/reactions", { target, emoji, action: "add" }, { token: await tokenFor(userId) });
  expect(res.status).toBe(200);
}

export async function requestDeletion(userId: string) {
  const res = await call("/v1/users/me", { method: "DELETE", headers: { authorization: `Bearer ${await tokenFor(userId)}` } });
  return { status: res.status, location: res.headers.get("location"), receipt: DeletionReceiptResponse.parse(await res.json()) };
}

export async function readReceipt(userId: string, receiptId: string) {
  const res = await call(`/v1/users/me/deletions/${receiptId}`, { headers: { authorization: `Bearer ${await tokenFor(userId)}` } });
  return { status: res.status, body: (await res.json()) as unknown };
}

export async function receiptOf(userId: string, receiptId: string) {
  return DeletionReceiptResponse.parse((await readReceipt(userId, receiptId)).body);
}

export function waitForCompletion(userId: string, receiptId: string) {
  return waitFor(() => receiptOf(userId, receiptId), (receipt) => receipt.status === "completed", 45_000, "the deletion to complete");
}

export async function inPlaces<T>(items: readonly T[], check: (item: T) => Promise<string[]>): Promise<string[]> {
  const found = await Promise.all(items.map(async (item) => (await check(item)).map((table) => `${String(item)}:${table}`)));
  return found.flat();
}
