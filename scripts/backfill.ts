// Runs a resumable backfill against a running Worker until it is done:
//   npm run backfill -- <job> [--url http://127.0.0.1:8787] [--from <cursor>] [--limit 20]
// Each step is one POST /v1/admin/backfill/<job> with the previous step's cursor, signed with a
// short-lived admin token from the local AUTH_SECRET (AUTH_SECRET=... for a deployed Worker).
// Every step prints its cursor: after a failure, rerun with `--from <the last cursor>`; a job
// is idempotent, so repeating a step is harmless. Jobs: `user-indexes` (docs/user-index.md, "Backfill") and
// `comment-archive` (docs/comments.md).
import { parseArgs } from "node:util";
import { z } from "zod";
import { UserIndexBackfillStep } from "../protocol/backfill";
import { CommentArchiveBackfillReport } from "../protocol/comment-backfill";
// @ts-expect-error plain JavaScript module without types
import { signDevToken } from "./dev-token.mjs";

/** Every job's step answers at least this; each job names its own schema for the rest. */
const Step = z.object({ done: z.boolean(), nextCursor: z.string().nullable() }).passthrough();

/** One line per job: its route, and the schema of its step's answer. */
const JOBS: Record<string, { path: string; step: z.ZodType<z.infer<typeof Step>> }> = {
  "user-indexes": { path: "/v1/admin/backfill/user-indexes", step: UserIndexBackfillStep },
  "comment-archive": { path: "/v1/admin/backfill/comment-archive", step: CommentArchiveBackfillReport },
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string", default: process.env.BACKFILL_URL ?? "http://127.0.0.1:8787" },
    from: { type: "string" },
    limit: { type: "string" },
  },
});
const name = positionals[0] ?? "user-indexes";
const job = JOBS[name];
if (job === undefined) {
  console.error(`unknown job ${name}; jobs: ${Object.keys(JOBS).join(", ")}`);
  process.exit(2);
}
const limit = values.limit === undefined ? undefined : Number(values.limit);

let cursor: string | undefined = values.from;
for (let n = 1; ; n++) {
  // Short-lived, so a long backfill signs a fresh one per step.
  const token: string = await signDevToken({ sub: "backfill-script", roles: ["admin"] }, 300);
  let res: Response;
  try {
    res = await fetch(new URL(job.path, values.url), {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ ...(cursor === undefined ? {} : { cursor }), ...(limit === undefined ? {} : { limit }) }),
    });
  } catch (error) {
    console.error(`cannot reach ${values.url} (is \`npm run dev\` running?): ${String(error)}`);
    console.error(`resume with: npm run backfill -- ${name} --from ${cursor ?? "(start)"}`);
    process.exit(1);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    console.error(`step ${n} answered ${res.status}: ${JSON.stringify(body)}`);
    console.error(`resume with: npm run backfill -- ${name}${cursor === undefined ? "" : ` --from ${cursor}`}`);
    process.exit(1);
  }
  const step = job.step.parse(body);
  console.log(JSON.stringify({ step: n, ...step }));
  if (step.done) break;
  cursor = step.nextCursor ?? undefined;
}
console.log(`${name}: done`);
