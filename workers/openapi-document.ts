import type { OpenAPIHono } from "@hono/zod-openapi";
import { ErrorBody } from "../protocol/errors";
import { requireAdmin } from "./admin-auth";
import { requireUser } from "./auth";
import { BODY_LIMITED_PREFIX, maxBodyBytes } from "./body-limits";
import { CORS_EXPOSED_HEADERS, CORS_MAX_AGE_SECONDS, CORS_METHODS, CORS_REQUEST_HEADERS } from "./cors";
import { AUTH_503, bearerSecurity } from "./openapi-common";

/** The slice of an OpenAPIHono app the document needs (any app's bindings fit). */
type Router = Pick<OpenAPIHono, "openAPIRegistry" | "getOpenAPI31Document">;
type Document = ReturnType<Router["getOpenAPI31Document"]>;
type PathItem = NonNullable<Document["paths"]>[string];
type Operation = NonNullable<PathItem["get"]>;
type Parameter = Exclude<NonNullable<Operation["parameters"]>[number], { $ref: string }>;
type Schema = NonNullable<Parameter["schema"]>;

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
type Method = (typeof METHODS)[number];
const BODY_METHODS = new Set<Method>(["post", "put", "patch", "delete"]);

const ERROR_SCHEMA_NAME = "Error";
const errorContent = { "application/json": { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } } };

export const OPENAPI_OBJECT_CONFIG: Parameters<Router["getOpenAPI31Document"]>[0] = {
  openapi: "3.1.0",
  info: {
    title: "Edge engagement API",
    version: "1.0.0",
    description: "Likes, reactions and live comments on Cloudflare Workers and Durable Objects.",
  },
  // Relative: the API is wherever this document was fetched from (local dev, staging, production).
  servers: [{ url: "/", description: "The origin that serves this document" }],
};

/** Call once on the app, before any document is generated. */
export function registerSharedComponents(router: Router): void {
  router.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  // Named, so every error response refers to one schema (and the ones added below can too).
  router.openAPIRegistry.register(ERROR_SCHEMA_NAME, ErrorBody);
  for (const [name, header] of Object.entries(CORS_HEADERS)) router.openAPIRegistry.registerComponent("headers", name, header);
}

/** What workers/cors.ts puts on answers (docs/cors.md), as named components every response refers to. */
const CORS_HEADERS = {
  AccessControlAllowOrigin: {
    description: "The request's Origin when it is the Worker's own or listed in CORS_ORIGINS; `*` for an anonymous read when CORS_ORIGINS lists `*`; absent otherwise",
    schema: { type: "string" },
  },
  AccessControlExposeHeaders: {
    description: "With Access-Control-Allow-Origin: the headers a page may read",
    schema: { type: "string", example: CORS_EXPOSED_HEADERS.join(", ") },
  },
  AccessControlAllowMethods: { description: "Methods an allowed origin may use", schema: { type: "string", example: CORS_METHODS.join(", ") } },
  AccessControlAllowHeaders: { description: "Request headers an allowed origin may send", schema: { type: "string", example: CORS_REQUEST_HEADERS.join(", ") } },
  AccessControlMaxAge: { description: "Seconds a browser keeps this preflight", schema: { type: "integer", example: CORS_MAX_AGE_SECONDS } },
  Vary: { description: "Always includes Origin: answers differ by the page that asked", schema: { type: "string" } },
} as const;
const headerRef = (name: keyof typeof CORS_HEADERS) => ({ $ref: `#/components/headers/${name}` });
const ANSWER_CORS_HEADERS = {
  "Access-Control-Allow-Origin": headerRef("AccessControlAllowOrigin"),
  "Access-Control-Expose-Headers": headerRef("AccessControlExposeHeaders"),
  Vary: headerRef("Vary"),
};
const PREFLIGHT_CORS_HEADERS = {
  "Access-Control-Allow-Origin": headerRef("AccessControlAllowOrigin"),
  "Access-Control-Allow-Methods": headerRef("AccessControlAllowMethods"),
  "Access-Control-Allow-Headers": headerRef("AccessControlAllowHeaders"),
  "Access-Control-Max-Age": headerRef("AccessControlMaxAge"),
  Vary: headerRef("Vary"),
};

/**
 * Tags every route of each router (one resource each) with the router's name, unless a
 * route names its own tags. Call it before mounting: mounting copies the routes' definitions.
 */
export function tagRoutes(routersByTag: Record<string, Router>): void {
  for (const [tag, router] of Object.entries(routersByTag)) {
    for (const definition of router.openAPIRegistry.definitions) {
      if (definition.type === "route") definition.route.tags ??= [tag];
    }
  }
}

/** `post /v1/targets/{target}/comments` -> `postTargetsByTargetComments`; stable while the path is. */
export function derivedOperationId(method: string, path: string): string {
  const words = path
    .split("/")
    .filter((segment) => segment !== "" && segment !== "v1")
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment)?.[1];
      return param === undefined ? pascal(segment) : `By${pascal(param)}`;
    });
  return method.toLowerCase() + words.join("");
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== "")
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join("");
}

interface RouteFacts {
  needsUser: boolean;
  needsAdmin: boolean;
}

function routeFacts(router: Router): Map<string, RouteFacts> {
  const facts = new Map<string, RouteFacts>();
  for (const definition of router.openAPIRegistry.definitions) {
    if (definition.type !== "route") continue;
    const route = definition.route;
    // OpenAPIHono keeps createRoute's `middleware` on the definition; the registry's type does not say so.
    const declared: unknown = "middleware" in route ? route.middleware : undefined;
    const middleware: unknown[] = Array.isArray(declared) ? declared : [declared];
    facts.set(`${route.method} ${route.path}`, {
      needsUser: middleware.includes(requireUser),
      needsAdmin: middleware.includes(requireAdmin),
    });
  }
  return facts;
}

/**
 * The published document: what the routes declare, plus what the shared middleware does to
 * every route whether or not its createRoute says so (body limits, media-type and validation
 * 400s, sign-in), so a new route is described completely without repeating any of it.
 */
export function openApiDocument(router: Router): Document {
  const document = router.getOpenAPI31Document(OPENAPI_OBJECT_CONFIG);
  const facts = routeFacts(router);
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      completeOperation(operation, method, path, facts.get(`${method} ${path}`));
    }
    item.options ??= preflightOperation(path);
  }
  return document;
}

function completeOperation(operation: Operation, method: Method, path: string, facts: RouteFacts | undefined): void {
  operation.operationId ??= derivedOperationId(method, path);
  // OpenAPIHono does not keep createRoute's `middleware` in its registry, so `facts` cannot
  // see requireUser; every signed-in route declares bearer security, which the registry keeps.
  const signedIn = facts?.needsUser === true || (operation.security ?? []).some((scheme) => "bearer" in scheme);
  operation.security ??= facts?.needsUser ? bearerSecurity : [];
  const responses = (operation.responses ??= {});
  const add = (status: number, description: string) => {
    responses[status] ??= { description, content: errorContent };
  };

  const parameters = (operation.parameters ?? []).filter((p): p is Parameter => !("$ref" in p));
  // A query string, a path or a header has no JSON null; the generator thinks a coerced
  // number can be null because `z.coerce.number()` turns null into 0.
  for (const parameter of parameters) if (parameter.schema !== undefined) parameter.schema = withoutNull(parameter.schema);

  const body = operation.requestBody !== undefined && !("$ref" in operation.requestBody) ? operation.requestBody : undefined;
  const jsonBody = body !== undefined && Object.keys(body.content).some((type) => /^application\/(.+\+)?json/.test(type));
  if (jsonBody || parameters.length > 0) add(400, "Invalid request: malformed JSON or a value its schema refuses");
  if (facts?.needsUser) add(401, "Missing, invalid or expired token");
  if (signedIn) add(503, AUTH_503);
  if (facts?.needsAdmin) add(403, "The token lacks the admin role");
  if (path.startsWith(BODY_LIMITED_PREFIX) && BODY_METHODS.has(method)) {
    // The limit is the middleware's, whatever a route's own 413 entry says.
    responses[413] = { description: `Body over ${maxBodyBytes(method, path) / 1024} KB`, content: errorContent };
  }
  if (body !== undefined) add(415, `Body is not ${Object.keys(body.content).join(" or ")}`);
  add(503, "CORS_ORIGINS is misconfigured and the request came from another origin (docs/cors.md); the message names the bad entry");
  // Every answer carries the CORS headers (workers/cors.ts) but the live socket's 101.
  for (const [status, response] of Object.entries(responses)) {
    if (status === "101" || "$ref" in response) continue;
    response.headers = { ...ANSWER_CORS_HEADERS, ...response.headers };
  }
}

/** workers/cors.ts answers a CORS preflight on every path before routing. */
function preflightOperation(path: string): Operation {
  return {
    operationId: derivedOperationId("options", path),
    summary: "CORS preflight: what a page on another origin may send here (docs/cors.md)",
    tags: ["cors"],
    security: [],
    parameters: [...path.matchAll(/\{([^}]+)\}/g)].map((match) => ({ name: match[1]!, in: "path" as const, required: true, schema: { type: "string" as const } })),
    responses: {
      404: { description: "Not a preflight (no Access-Control-Request-Method): no route answers OPTIONS", content: errorContent },
      204: {
        description: "Always 204; the Access-Control-Allow-* headers only for the Worker's own origin and CORS_ORIGINS",
        headers: PREFLIGHT_CORS_HEADERS,
      },
    },
  };
}

function withoutNull(schema: Schema): Schema {
  if ("$ref" in schema || !Array.isArray(schema.type)) return schema;
  const types = schema.type.filter((type) => type !== "null");
  return { ...schema, type: types.length === 1 ? types[0]! : types };
}
