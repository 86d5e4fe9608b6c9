import { z } from "zod";
import { BatchCountResponse, StatsResponse, UserLikesResponse } from "../protocol/likes";
import { progress } from "./common";
import { type Acknowledged, type Population, targetId, userId } from "./simulate-load";

export interface Verdict {
  name: string;
  checked: number;
  agree: number;
  /** Left out because a request to them went unanswered (it may or may not have applied). */
  skipped: number;
  /** The first few disagreements, for the reader. */
  examples: string[];
  /** A check that could not run (no such route on this build): reported, not failed. */
  note?: string;
}

/** Reads with a bounded number in flight, so the checks do not flood a small dev server. */
async function inPool<T>(items: readonly T[], concurrency: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await each(items[next++]!);
    }),
  );
}

async function getJson<T extends z.ZodType>(url: string, schema: T, init: RequestInit = {}): Promise<z.infer<T>> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) }).catch(() => null);
    if (res?.ok) return schema.parse(await res.json());
    if (attempt >= 3) throw new Error(`${init.method ?? "GET"} ${url} answered ${res?.status ?? "nothing"}`);
    await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
  }
}

function verdict(name: string): Verdict {
  return { name, checked: 0, agree: 0, skipped: 0, examples: [] };
}

function disagree(v: Verdict, example: string): void {
  if (v.examples.length < 5) v.examples.push(example);
}

/** Each target's likes, reactions and comments from its room (the stats route, edge-cached ≤ 2 s). */
export async function checkTargets(baseUrl: string, p: Population, acked: Acknowledged, concurrency: number): Promise<Verdict[]> {
  const likes = verdict("target like counts (room) = acknowledged");
  const reactions = verdict("target reaction counts (room) = acknowledged");
  const comments = verdict("target comment counts (room) = acknowledged");
  const targets = Array.from({ length: p.targets }, (_, i) => targetId(p, i));
  const expectedLikes = new Map<string, number>();
  for (const set of acked.liked.values()) for (const t of set) expectedLikes.set(t, (expectedLikes.get(t) ?? 0) + 1);
  await inPool(targets, concurrency, async (target) => {
    if (acked.uncertainTargets.has(target)) {
      likes.skipped++;
      reactions.skipped++;
      comments.skipped++;
      return;
    }
    const stats = await getJson(`${baseUrl}/v1/targets/${encodeURIComponent(target)}/stats`, StatsResponse);
    const wantLikes = expectedLikes.get(target) ?? 0;
    likes.checked++;
    if (stats.likes === wantLikes) likes.agree++;
    else disagree(likes, `${target}: ${stats.likes}, acknowledged ${wantLikes}`);
    reactions.checked++;
    const byEmoji = acked.reactions.get(target);
    const want: Record<string, number> = {};
    for (const [emoji, users] of byEmoji ?? []) if (users.size > 0) want[emoji] = users.size;
    const got = Object.fromEntries(Object.entries(stats.reactions).filter(([, n]) => n > 0));
    if (JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort())) reactions.agree++;
    else disagree(reactions, `${target}: ${JSON.stringify(got)}, acknowledged ${JSON.stringify(want)}`);
    comments.checked++;
    const wantComments = acked.comments.get(target) ?? 0;
    if (stats.comments === wantComments) comments.agree++;
    else disagree(comments, `${target}: ${stats.comments}, acknowledged ${wantComments}`);
  });
  return [likes, reactions, comments];
}

/** `POST /v1/counts/batch`, 100 targets a request, against the acknowledged likes. */
export async function checkBatchCounts(baseUrl: string, p: Population, acked: Acknowledged): Promise<Verdict> {
  const v = verdict("batch counts (POST /v1/counts/batch) = acknowledged");
  const targets = Array.from({ length: p.targets }, (_, i) => targetId(p, i));
  for (let i = 0; i < targets.length; i += 100) {
    const slice = targets.slice(i, i + 100);
    const { counts } = await getJson(`${baseUrl}/v1/counts/batch`, BatchCountResponse, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ targets: slice }),
    });
    for (const target of slice) {
      if (acked.uncertainTargets.has(target)) {
        v.skipped++;
        continue;
      }
      v.checked++;
      const want = acked.likesOf(target);
      if ((counts[target] ?? 0) === want) v.agree++;
      else disagree(v, `${target}: ${counts[target] ?? 0}, acknowledged ${want}`);
    }
  }
  return v;
}

/** Every user's `GET /v1/users/:userId/likes`, all pages: the same targets and an exact `total`. */
export async function checkUserIndexes(baseUrl: string, p: Population, acked: Acknowledged, concurrency: number): Promise<Verdict> {
  const v = verdict("user likes (GET /v1/users/:userId/likes) = acknowledged");
  const users = Array.from({ length: p.users }, (_, i) => userId(p, i));
  await inPool(users, concurrency, async (user) => {
    if (acked.uncertainUsers.has(user)) return void v.skipped++;
    const want = [...(acked.liked.get(user) ?? [])].sort();
    const got: string[] = [];
    let total = -1;
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "?limit=100" : `?limit=100&cursor=${encodeURIComponent(cursor)}`;
      const page = await getJson(`${baseUrl}/v1/users/${encodeURIComponent(user)}/likes${query}`, UserLikesResponse);
      got.push(...page.items.map((item) => item.target));
      total = page.total;
      cursor = page.nextCursor;
    } while (cursor !== null);
    got.sort();
    v.checked++;
    if (JSON.stringify(got) === JSON.stringify(want) && total === want.length) v.agree++;
    else disagree(v, `${user}: ${got.length} listed (total ${total}), acknowledged ${want.length}`);
  });
  return v;
}

const LakeEvent = z.looseObject({ eventId: z.string(), type: z.string(), target: z.string() });
const LakeAnswer = z.union([z.looseObject({ events: z.array(LakeEvent) }), z.array(LakeEvent)]);

/**
 * The event lake, if this build has a development route that reads it: a GET path under
 * /v1/dev/ naming "lake" in /openapi.json, answering JSON events (`{ events: [...] }` or an
 * array) with `eventId`, `type` and `target`. Every acknowledged event of this run must be
 * there exactly once. Without such a route the verdict says so instead of failing.
 */
export async function checkLake(baseUrl: string, p: Population, acked: Acknowledged, adminToken: string): Promise<Verdict> {
  const v = verdict("event lake: acknowledged events, each exactly once");
  const document = z.looseObject({ paths: z.record(z.string(), z.record(z.string(), z.unknown())) }).parse(await (await fetch(`${baseUrl}/openapi.json`)).json());
  const route = Object.entries(document.paths).find(([path, methods]) => path.startsWith("/v1/dev/") && path.includes("lake") && !path.includes("{") && "get" in methods)?.[0];
  if (route === undefined) return { ...v, note: "no /v1/dev/*lake* GET route in /openapi.json on this build: not checked" };
  let events: z.infer<typeof LakeEvent>[];
  try {
    const answer = await getJson(`${baseUrl}${route}`, LakeAnswer, { headers: { authorization: `Bearer ${adminToken}` } });
    events = Array.isArray(answer) ? answer : answer.events;
  } catch (error) {
    return { ...v, note: `GET ${route} did not answer JSON events (${String(error).slice(0, 120)}): adapt checkLake in bench/simulate-checks.ts` };
  }
  const prefix = `post:sim-${p.run}-`;
  const ours = events.filter((e) => e.target.startsWith(prefix));
  const distinct = new Set(ours.map((e) => e.eventId));
  const want = acked.events.like + acked.events.unlike + acked.events.comment + acked.events.reaction;
  v.checked = want;
  v.agree = distinct.size === ours.length ? Math.min(distinct.size, want) : 0;
  if (distinct.size !== ours.length) disagree(v, `${ours.length - distinct.size} events stored more than once`);
  if (distinct.size !== want) disagree(v, `${distinct.size} distinct events of this run in the lake, ${want} acknowledged`);
  progress(`  lake: ${ours.length} rows of this run from GET ${route}`);
  return v;
}
