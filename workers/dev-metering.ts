/**
 * Development-only metering for `npm run simulate` (docs/scale.md): counts what the Worker and
 * its Durable Objects ask of the platform, per binding: D1 statements, queue messages, R2
 * writes, Durable Object requests (by method), alarms, queue deliveries.
 *
 * Installed only when ENVIRONMENT is "development" AND DEV_METERING is "on" (workers/index.ts
 * decides once, when the module loads): everywhere else no wrapper exists, so production's hot
 * path is untouched. Bindings are recognised by shape, not by name, so a binding added later
 * is counted without editing this file.
 *
 * The counters live in this module, one set per isolate. That is complete under `wrangler
 * dev`: workerd runs the Worker, its queue consumers, its cron and every Durable Object class
 * of this script in ONE isolate, and each object's `env` is wrapped in its constructor (see
 * `meteredObject`), so what the rooms send from inside themselves (outboxes) is counted too
 * (test/e2e/dev-metering.test.ts checks that objects' counts reach the route). A dev-only
 * Durable Object holding the counters would add a request per counted call and count itself.
 * `isolate` changes when the runtime restarts, so a reader can tell a reset from a quiet spell.
 */

import type { MeteringResponse } from "../protocol/metering";

type Counters = Map<string, number>;

const counters: Counters = new Map();
let isolate: string | null = null;
let since: string | null = null;

/** Names every counter: `origin/kind/binding[.method]`, e.g. `TargetRoom/d1.statements/DB`. */
function add(origin: string, kind: string, name: string, by = 1): void {
  const key = `${origin}/${kind}/${name}`;
  counters.set(key, (counters.get(key) ?? 0) + by);
}

export function meteringReport(): MeteringResponse {
  return { installed: isolate !== null, isolate, since, counters: Object.fromEntries(counters) };
}

export function meteringWanted(env: { ENVIRONMENT?: unknown; DEV_METERING?: unknown }): boolean {
  return env.ENVIRONMENT === "development" && env.DEV_METERING === "on";
}

/** Marks the hook installed; ids are made lazily because workerd refuses randomness at module scope. */
function installed(): void {
  if (isolate !== null) return;
  isolate = crypto.randomUUID();
  since = new Date().toISOString();
}

function has(value: unknown, ...methods: string[]): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return methods.every((method) => typeof record[method] === "function");
}

/** Reads a property of a native binding with the binding itself as `this` (private state). */
function passThrough(target: object, prop: string | symbol): unknown {
  const value: unknown = Reflect.get(target, prop, target);
  return typeof value === "function" ? (...args: unknown[]) => Reflect.apply(value, target, args) : value;
}

type Call = (...args: unknown[]) => unknown;

/**
 * A method of `target`, called on it. Reflect.apply, not `.bind`: on an RPC stub every
 * property is a remote call, `bind` included.
 */
function method(target: object, prop: string): Call {
  return (...args: unknown[]) => Reflect.apply(Reflect.get(target, prop, target) as Call, target, args);
}

const STATEMENT_RUNS = new Set(["run", "all", "first", "raw"]);

function meterD1(db: object, count: (kind: string, by?: number) => void): object {
  // A batch hands statements back to the real database, which reads their private fields.
  const unwrapped = new WeakMap<object, object>();
  const statement = (real: object): object => {
    const proxy = new Proxy(real, {
      get(target, prop) {
        if (prop === "bind") return (...args: unknown[]) => statement(method(target, "bind")(...args) as object);
        if (typeof prop === "string" && STATEMENT_RUNS.has(prop)) {
          return (...args: unknown[]) => {
            count("d1.statements");
            count("d1.calls");
            return method(target, prop)(...args);
          };
        }
        return passThrough(target, prop);
      },
    });
    unwrapped.set(proxy, real);
    return proxy;
  };
  const database = (real: object): object =>
    new Proxy(real, {
      get(target, prop) {
        switch (prop) {
          case "prepare":
            return (...args: unknown[]) => statement(method(target, "prepare")(...args) as object);
          case "batch":
            return (statements: unknown[], ...rest: unknown[]) => {
              count("d1.statements", statements.length);
              count("d1.calls");
              return method(target, "batch")(statements.map((s) => (typeof s === "object" && s !== null ? (unwrapped.get(s) ?? s) : s)), ...rest);
            };
          case "exec":
            return async (...args: unknown[]) => {
              count("d1.calls");
              try {
                const result = await method(target, "exec")(...args);
                const executed = typeof result === "object" && result !== null ? (result as { count?: unknown }).count : undefined;
                count("d1.statements", typeof executed === "number" ? executed : 1);
                return result;
              } catch (error) {
                count("d1.statements");
                throw error;
              }
            };
          case "withSession":
            return (...args: unknown[]) => database(method(target, "withSession")(...args) as object);
          default:
            return passThrough(target, prop);
        }
      },
    });
  return database(db);
}

function meterQueue(queue: object, count: (kind: string, by?: number) => void): object {
  return new Proxy(queue, {
    get(target, prop) {
      if (prop === "send" || prop === "sendBatch") {
        return (...args: unknown[]) => {
          const messages = prop === "send" ? 1 : Array.isArray(args[0]) ? args[0].length : 0;
          count("queue.messages", messages);
          count("queue.calls");
          return method(target, prop)(...args);
        };
      }
      return passThrough(target, prop);
    },
  });
}

/** Every R2 operation by name; `r2.written` are puts that stored an object (a refused conditional put answers null). */
function meterR2(bucket: object, count: (kind: string, by?: number) => void): object {
  return new Proxy(bucket, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof prop !== "string" || typeof value !== "function") return passThrough(target, prop);
      return async (...args: unknown[]) => {
        count(`r2.${prop}`);
        const result = await method(target, prop)(...args);
        if (prop === "put" && result !== null) count("r2.written");
        return result;
      };
    },
  });
}

/** Properties of a stub that are not calls into the object. */
const STUB_LOCAL = new Set(["id", "name", "then", "dup"]);

function meterNamespace(namespace: object, binding: string, origin: string): object {
  const stub = (real: object): object =>
    new Proxy(real, {
      get(target, prop) {
        if (typeof prop !== "string" || STUB_LOCAL.has(prop)) return passThrough(target, prop);
        return (...args: unknown[]) => {
          add(origin, "do.requests", `${binding}.${prop}`);
          // The user index's feed (`ingest({ userId, events })`) counts its events, one update each.
          const first = args[0];
          if (typeof first === "object" && first !== null && Array.isArray((first as { events?: unknown }).events)) {
            add(origin, "do.events", `${binding}.${prop}`, (first as { events: unknown[] }).events.length);
          }
          return method(target, prop)(...args);
        };
      },
    });
  return new Proxy(namespace, {
    get(target, prop) {
      if (prop === "get" || prop === "getByName") return (...args: unknown[]) => stub(method(target, prop)(...args) as object);
      if (prop === "jurisdiction") return (...args: unknown[]) => meterNamespace(method(target, prop)(...args) as object, binding, origin);
      return passThrough(target, prop);
    },
  });
}

/**
 * The same env with its D1, queue, R2 and Durable Object bindings counted under `origin`
 * ("worker" or an object's class name). Anything else passes through untouched.
 */
export function meterEnv<E extends object>(env: E, origin: string): E {
  installed();
  const metered: Record<string, unknown> = {};
  for (const [binding, value] of Object.entries(env)) {
    const count = (kind: string, by = 1) => add(origin, kind, binding, by);
    if (has(value, "prepare", "batch", "exec")) metered[binding] = meterD1(value, count);
    else if (has(value, "send", "sendBatch")) metered[binding] = meterQueue(value, count);
    else if (has(value, "put", "get", "head", "list", "delete")) metered[binding] = meterR2(value, count);
    else if (has(value, "idFromName", "get")) metered[binding] = meterNamespace(value, binding, origin);
    else metered[binding] = value;
  }
  return metered as E;
}

type ObjectClass = abstract new (ctx: DurableObjectState, env: never) => object;

/**
 * A Durable Object class whose instances see a metered env (so their own D1, queue, R2 and
 * stub calls are counted under the class's name) and whose alarms are counted. Used only when
 * `meteringWanted`: production exports the plain classes.
 */
export function meteredObject<C extends ObjectClass>(Base: C, origin: string): C {
  // A mixin's constructor must take `any[]` (TS2545); the arguments go straight to the base.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  abstract class Metered extends (Base as unknown as abstract new (...args: any[]) => object) {
    constructor(ctx: DurableObjectState, env: object) {
      super(ctx, meterEnv(env, origin));
    }
  }
  const alarm: unknown = (Base.prototype as { alarm?: unknown }).alarm;
  if (typeof alarm === "function") {
    Object.defineProperty(Metered.prototype, "alarm", {
      value: function (this: object, ...args: unknown[]) {
        add(origin, "do.alarms", origin);
        return (alarm as Call).apply(this, args);
      },
    });
  }
  Object.defineProperty(Metered, "name", { value: Base.name });
  return Metered as unknown as C;
}

/** The Worker's handlers with a metered env; queue deliveries counted per queue. */
export function meteredHandler<E extends object, H extends Required<Pick<ExportedHandler<E>, "fetch" | "queue" | "scheduled">>>(handler: H): H {
  return {
    ...handler,
    fetch: (request: Parameters<H["fetch"]>[0], env: E, ctx: ExecutionContext) => handler.fetch(request, meterEnv(env, "worker"), ctx),
    queue: (batch: MessageBatch, env: E, ctx: ExecutionContext) => {
      add("worker", "queue.delivered", batch.queue, batch.messages.length);
      add("worker", "queue.batches", batch.queue);
      return handler.queue(batch, meterEnv(env, "worker"), ctx);
    },
    scheduled: (controller: ScheduledController, env: E, ctx: ExecutionContext) => handler.scheduled(controller, meterEnv(env, "worker"), ctx),
  };
}
