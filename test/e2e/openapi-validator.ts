import { Ajv2020, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { z } from "zod";

/** One HTTP answer as the e2e suite received it. */
export interface RecordedAnswer {
  method: string;
  /** Path and query as requested, e.g. `/v1/targets/post%3Aabc/count?x=1`. */
  path: string;
  status: number;
  contentType: string | null;
  body: string;
}

const MediaType = z.object({ schema: z.unknown().optional() });
const Response = z.object({ content: z.record(z.string(), MediaType).optional() });
const Operation = z.object({ responses: z.record(z.string(), Response) });
const Document = z.object({ paths: z.record(z.string(), z.record(z.string(), z.unknown())) });

/**
 * Development-only routes that /openapi.json leaves out on purpose (workers/routes/dev.ts):
 * the API a deployment offers is what is published, and these answer 404 there.
 */
const UNPUBLISHED_PREFIX = "/v1/dev/";
/** Paths outside the API: the live page and its files (static assets) and the document itself. */
const isApiPath = (path: string) => path.startsWith("/v1/") || path === "/health";

const DOCUMENT_ID = "https://contract.test/openapi.json";

interface Template {
  path: string;
  pattern: RegExp;
  literals: number;
}

function escapePointer(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * Checks answers against an OpenAPI 3.1 document with Ajv (JSON Schema 2020-12, the dialect
 * of OpenAPI 3.1): the operation is published, the status is documented for it, the media
 * type is one it documents and the body matches that schema. Answers one message per
 * mismatch, none when the answer is what the document promises.
 */
export function createResponseValidator(document: unknown) {
  const doc = Document.parse(document);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // The whole document (components included), so `#/components/...` references resolve.
  ajv.addSchema({ ...z.record(z.string(), z.unknown()).parse(document), $id: DOCUMENT_ID });
  const compiled = new Map<string, ValidateFunction>();

  const templates: Template[] = Object.keys(doc.paths).map((path) => {
    const segments = path.split("/");
    const source = segments.map((segment) => (/^\{.+\}$/.test(segment) ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    return { path, pattern: new RegExp(`^${source.join("/")}$`), literals: segments.filter((s) => !s.startsWith("{")).length };
  });

  function template(path: string): Template | undefined {
    // A literal segment wins over a parameter (`/v1/users/me` over `/v1/users/{userId}`).
    return templates.filter((t) => t.pattern.test(path)).sort((a, b) => b.literals - a.literals)[0];
  }

  function validatorFor(pointer: string): ValidateFunction {
    let validate = compiled.get(pointer);
    if (validate === undefined) {
      validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
      compiled.set(pointer, validate);
    }
    return validate;
  }

  return function check(answer: RecordedAnswer): string[] {
    const path = answer.path.split("?")[0] ?? "";
    const where = `${answer.method} ${answer.path} -> ${answer.status}`;
    if (!isApiPath(path)) return [];
    const match = template(path);
    if (match === undefined) return path.startsWith(UNPUBLISHED_PREFIX) ? [] : [`${where}: no path in /openapi.json matches`];
    const method = answer.method.toLowerCase();
    const rawOperation = doc.paths[match.path]?.[method];
    if (rawOperation === undefined) return [`${where}: ${match.path} documents no ${method.toUpperCase()}`];
    const operation = Operation.parse(rawOperation);

    const status = String(answer.status);
    const statusKey = [status, `${status[0]}XX`, "default"].find((key) => operation.responses[key] !== undefined);
    if (statusKey === undefined) {
      return [`${where}: status ${status} is not documented for ${method.toUpperCase()} ${match.path} (documented: ${Object.keys(operation.responses).join(", ")}); body ${answer.body.slice(0, 300)}`];
    }
    const content = operation.responses[statusKey]?.content;
    if (content === undefined) {
      return answer.body === "" || answer.status === 101 ? [] : [`${where}: documented without a body, answered ${answer.body.slice(0, 200)}`];
    }
    const mediaType = (answer.contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    const documented = Object.keys(content).find((type) => type.toLowerCase() === mediaType);
    if (documented === undefined) return [`${where}: content-type ${answer.contentType} is not one of ${Object.keys(content).join(", ")}`];
    if (content[documented]?.schema === undefined || !/json/.test(mediaType)) return [];

    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      return [`${where}: ${mediaType} body is not JSON: ${answer.body.slice(0, 200)}`];
    }
    const pointer = ["", "paths", match.path, method, "responses", statusKey, "content", documented, "schema"].map(escapePointer).join("/");
    const validate = validatorFor(pointer);
    if (validate(body)) return [];
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "invalid"} ${JSON.stringify(e.params)}`);
    return [`${where}: body does not match the documented schema: ${errors.join("; ")}; body ${answer.body.slice(0, 300)}`];
  };
}

export type ResponseValidator = ReturnType<typeof createResponseValidator>;
