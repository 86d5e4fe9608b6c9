import { sign } from "hono/jwt";
import { LikeResult } from "../protocol/likes";
import { ReactionResult } from "../protocol/reactions";
import { Comment } from "../protocol/comments";
import { progress } from "./common";

/** Every request is bounded: an answer that never comes is simply not acknowledged. */
const REQUEST_TIMEOUT_MS = 15_000;
const EMOJIS = ["love", "haha", "wow"] as const;

export interface Population {
  users: number;
  targets: number;
  /** Distinct per run, so a simulation against a reused server never meets old state. */
  run: string;
}

export const userId = (p: Population, i: number) => `sim-${p.run}-u${i}`;
export const targetId = (p: Population, i: number) => `post:sim-${p.run}-t${i}`;

/**
 * What the server acknowledged, as the truth the agreement checks compare against: a 2xx
 * answer's own state (liked, reacted) for each (user, target), and every event it implies
 * (`changed: true` answers and created comments).
 */
export class Acknowledged {
  readonly liked = new Map<string, Set<string>>(); // userId -> targets
  readonly reactions = new Map<string, Map<string, Set<string>>>(); // target -> emoji -> users
  readonly comments = new Map<string, number>(); // target -> created
  readonly events = { like: 0, unlike: 0, reaction: 0, comment: 0 };
  likeRequests = 0;
  otherRequests = 0;
  refused = 0;
  unanswered = 0;
  /**
   * Targets and users a request went to without an answer (timeout, reset): it may or may not
   * have been applied, so the exact checks leave them out and the verdict says how many.
   */
  readonly uncertainTargets = new Set<string>();
  readonly uncertainUsers = new Set<string>();

  unknownOutcome(user: string, target: string): void {
    this.unanswered++;
    this.uncertainTargets.add(target);
    this.uncertainUsers.add(user);
  }

  setLiked(user: string, target: string, liked: boolean): void {
    const set = this.liked.get(user) ?? new Set<string>();
    if (liked) set.add(target);
    else set.delete(target);
    this.liked.set(user, set);
  }

  likesOf(target: string): number {
    let n = 0;
    for (const set of this.liked.values()) if (set.has(target)) n++;
    return n;
  }

  setReacted(target: string, emoji: string, user: string, reacted: boolean): void {
    const byEmoji = this.reactions.get(target) ?? new Map<string, Set<string>>();
    const users = byEmoji.get(emoji) ?? new Set<string>();
    if (reacted) users.add(user);
    else users.delete(user);
    byEmoji.set(emoji, users);
    this.reactions.set(target, byEmoji);
  }
}

export type Mix = { like: number; unlike: number; comment: number; reaction: number };

export const LIKES_ONLY: Mix = { like: 0.85, unlike: 0.15, comment: 0, reaction: 0 };
export const COMMENTS_AND_REACTIONS: Mix = { like: 0, unlike: 0, comment: 0.4, reaction: 0.6 };

export class Driver {
  private readonly tokens = new Map<string, string>();
  /** (user, target) pairs with a request in flight: two at once could be answered out of order. */
  private readonly busy = new Set<string>();

  constructor(
    private readonly baseUrl: string,
    private readonly secret: string,
    readonly population: Population,
    readonly acked: Acknowledged,
  ) {}

  private async token(user: string): Promise<string> {
    let token = this.tokens.get(user);
    if (token === undefined) {
      const now = Math.floor(Date.now() / 1000);
      token = await sign({ sub: user, iat: now, exp: now + 6 * 3600 }, this.secret, "HS256");
      this.tokens.set(user, token);
    }
    return token;
  }

  private async post(path: string, user: string, body: unknown): Promise<{ status: number; json: unknown }> {
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${await this.token(user)}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      return { status: res.status, json: await res.json().catch(() => null) };
    } catch {
      return { status: 0, json: null };
    }
  }

  /** Runs `total` operations of `mix` with `concurrency` clients; answers the wall time in ms. */
  async run(total: number, mix: Mix, concurrency: number, label: string): Promise<number> {
    let started = 0;
    let done = 0;
    const ticker = setInterval(() => progress(`  ${label}: ${done}/${total}`), 5_000);
    const startedAt = performance.now();
    const client = async () => {
      while (started < total) {
        started++;
        await this.one(mix);
        done++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, client));
    clearInterval(ticker);
    return performance.now() - startedAt;
  }

  private pick(n: number): number {
    return Math.floor(Math.random() * n);
  }

  private async one(mix: Mix): Promise<void> {
    const { users, targets } = this.population;
    let user = "";
    let target = "";
    for (let attempt = 0; attempt < 20; attempt++) {
      user = userId(this.population, this.pick(users));
      target = targetId(this.population, this.pick(targets));
      if (!this.busy.has(`${user} ${target}`)) break;
    }
    const key = `${user} ${target}`;
    if (this.busy.has(key)) return;
    this.busy.add(key);
    try {
      const roll = Math.random();
      if (roll < mix.like + mix.unlike) {
        // An unlike is sent for a pair the user likes when there is one, else it is a no-op write.
        const mine = this.acked.liked.get(user);
        const action = roll < mix.like || mine === undefined || mine.size === 0 ? "like" : "unlike";
        await this.like(user, action === "unlike" ? ([...mine!].find((t) => !this.busy.has(`${user} ${t}`)) ?? target) : target, action);
      } else if (roll < mix.like + mix.unlike + mix.comment) {
        await this.comment(user, target);
      } else {
        await this.react(user, target);
      }
    } finally {
      this.busy.delete(key);
    }
  }

  private async like(user: string, target: string, action: "like" | "unlike"): Promise<void> {
    const key = `${user} ${target}`;
    const extra = !this.busy.has(key);
    if (extra) this.busy.add(key);
    try {
      this.acked.likeRequests++;
      const answer = await this.post("/v1/likes", user, { target, action });
      if (answer.status === 0) return this.acked.unknownOutcome(user, target);
      if (answer.status !== 200) return void this.acked.refused++;
      const result = LikeResult.parse(answer.json);
      this.acked.setLiked(user, target, result.liked);
      if (result.changed) this.acked.events[action]++;
    } finally {
      if (extra) this.busy.delete(key);
    }
  }

  private async comment(user: string, target: string): Promise<void> {
    this.acked.otherRequests++;
    const answer = await this.post(`/v1/targets/${encodeURIComponent(target)}/comments`, user, { text: `simulated comment by ${user}` });
    if (answer.status === 0) return this.acked.unknownOutcome(user, target);
    if (answer.status !== 201) return void this.acked.refused++;
    Comment.parse(answer.json);
    this.acked.comments.set(target, (this.acked.comments.get(target) ?? 0) + 1);
    this.acked.events.comment++;
  }

  private async react(user: string, target: string): Promise<void> {
    this.acked.otherRequests++;
    const emoji = EMOJIS[this.pick(EMOJIS.length)]!;
    const had = this.acked.reactions.get(target)?.get(emoji)?.has(user) ?? false;
    const answer = await this.post("/v1/reactions", user, { target, emoji, action: had && Math.random() < 0.5 ? "remove" : "add" });
    if (answer.status === 0) return this.acked.unknownOutcome(user, target);
    if (answer.status !== 200) return void this.acked.refused++;
    const result = ReactionResult.parse(answer.json);
    this.acked.setReacted(target, emoji, user, result.reacted);
    if (result.changed) this.acked.events.reaction++;
  }
}
