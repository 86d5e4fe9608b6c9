import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MAX_COMMENT_LENGTH } from "../../protocol/comments";
import { call } from "./helpers";

// Only the parts of the document these checks read; the e2e suite validates answers against all of it.
const Schema: z.ZodType<Record<string, unknown>> = z.record(z.string(), z.unknown());
const Parameter = z.object({ name: z.string(), in: z.string(), schema: Schema.optional() });
const Operation = z.object({
  operationId: z.string().optional(),
  summary: z.string().optional(),
  tags: z.array(z.string()).optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  parameters: z.array(Parameter).optional(),
  requestBody: z.object({ content: z.record(z.string(), z.object({ schema: Schema })) }).optional(),
  responses: z.record(z.string(), z.object({ description: z.string() })),
});
const Document = z.object({
  openapi: z.string(),
  servers: z.array(z.object({ url: z.string() })).min(1),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
});
const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options", "trace"]);

interface Op {
  method: string;
  path: string;
  operation: z.infer<typeof Operation>;
}

async function publishedOperations(): Promise<Op[]> {
  const document = Document.parse(await (await call("/openapi.json")).json());
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => ({ method, path, operation: Operation.parse(operation) })),
  );
}

function find(ops: Op[], method: string, path: string): Op["operation"] {
  const op = ops.find((candidate) => candidate.method === method && candidate.path === path);
  if (op === undefined) throw new Error(`${method} ${path} is not in /openapi.json`);
  return op.operation;
}

/** Every `pattern` anywhere under `value`, with where it was found. */
function patterns(value: unknown, where: string): Array<[string, string]> {
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === "pattern" && typeof child === "string" ? [[where, child] as [string, string]] : patterns(child, `${where}/${key}`),
  );
}

describe("the published OpenAPI document", () => {
  it("names, tags and summarises every operation, with a unique operationId and a security list", async () => {
    const ops = await publishedOperations();
    expect(ops.length).toBeGreaterThan(40);
    const incomplete = ops
      .filter(({ operation }) => !operation.operationId || !operation.summary || !operation.tags?.length || !operation.security)
      .map(({ method, path }) => `${method} ${path}`);
    // A route mounted without a tag: add its router to tagRoutes() in workers/app.ts.
    expect(incomplete).toEqual([]);
    const ids = ops.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("documents 401 wherever it asks for a bearer token", async () => {
    const ops = await publishedOperations();
    const signedIn = ops.filter(({ operation }) => operation.security?.some((scheme) => "bearer" in scheme));
    expect(signedIn.length).toBeGreaterThan(20);
    expect(signedIn.filter(({ operation }) => !operation.responses["401"]).map(({ method, path }) => `${method} ${path}`)).toEqual([]);
    expect(find(ops, "post", "/v1/reactions").security).toEqual([{ bearer: [] }]);
    expect(find(ops, "get", "/v1/targets/{target}/count").security).toEqual([]);
    expect(find(ops, "get", "/v1/admin/targets/{target}/shards").responses["403"]).toBeDefined();
  });

  it("documents 400, 413 and 415 on every operation that takes a JSON body", async () => {
    const ops = await publishedOperations();
    const withBody = ops.filter(({ operation }) => operation.requestBody?.content["application/json"] !== undefined);
    expect(withBody.length).toBeGreaterThanOrEqual(17);
    const missing = withBody.flatMap(({ method, path, operation }) =>
      ["400", "413", "415"].filter((status) => !operation.responses[status]).map((status) => `${method} ${path} ${status}`),
    );
    expect(missing).toEqual([]);
    // Body-less writes are under the same body limit.
    expect(find(ops, "delete", "/v1/users/me").responses["413"]).toBeDefined();
    expect(find(ops, "put", "/v1/targets/{target}/members").responses["413"]?.description).toContain("136 KB");
  });

  it("documents the 429 of reactions", async () => {
    expect(find(await publishedOperations(), "post", "/v1/reactions").responses["429"]).toBeDefined();
  });

  it("writes every pattern as a regex source that compiles in Unicode mode, so emoji match", async () => {
    const document: unknown = await (await call("/openapi.json")).json();
    const found = patterns(document, "#");
    expect(found.length).toBeGreaterThan(0);
    for (const [where, pattern] of found) {
      // `...$/u` is a regex literal's flags serialised into the pattern: it matches nothing.
      expect(pattern, where).not.toMatch(/\/[dgimsuvy]+$/);
      expect(() => new RegExp(pattern, "u"), where).not.toThrow();
    }
    const ops = await publishedOperations();
    const reaction = find(ops, "post", "/v1/reactions").requestBody?.content["application/json"]?.schema;
    const emoji = z.object({ properties: z.object({ emoji: z.object({ pattern: z.string() }) }) }).parse(reaction);
    for (const accepted of ["love", "🎉", "👍🏽", "❤️"]) expect(new RegExp(emoji.properties.emoji.pattern, "u").test(accepted), accepted).toBe(true);
  });

  it("never lets a query, path or header parameter be null", async () => {
    const nullable = (await publishedOperations()).flatMap(({ method, path, operation }) =>
      (operation.parameters ?? [])
        .filter((parameter) => JSON.stringify(parameter.schema ?? {}).includes('"null"'))
        .map((parameter) => `${method} ${path} ${parameter.in} ${parameter.name}`),
    );
    expect(nullable).toEqual([]);
  });

  it("states the limits the server applies to comment text and settings patches", async () => {
    const ops = await publishedOperations();
    const comment = z
      .object({ properties: z.object({ text: z.object({ minLength: z.number(), maxLength: z.number() }) }) })
      .parse(find(ops, "post", "/v1/targets/{target}/comments").requestBody?.content["application/json"]?.schema);
    expect(comment.properties.text).toMatchObject({ minLength: 1, maxLength: MAX_COMMENT_LENGTH });
    const patch = find(ops, "patch", "/v1/targets/{target}/settings").requestBody?.content["application/json"]?.schema;
    expect(patch).toMatchObject({ minProperties: 1 });
  });
});
