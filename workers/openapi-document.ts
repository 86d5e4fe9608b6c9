import type { OpenAPIHono } from "@hono/zod-openapi";
import { ErrorBody } from "../protocol/errors";
import { requireAdmin } from "./admin-auth";
import { requireUser } from "./auth";
import { BODY_LIMITED_PREFIX, maxBodyBytes } from "./body-limits";
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
}

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
}

function withoutNull(schema: Schema): Schema {
  if ("$ref" in schema || !Array.isArray(schema.type)) return schema;
  const types = schema.type.filter((type) => type !== "null");
  return { ...schema, type: types.length === 1 ? types[0]! : types };
}
