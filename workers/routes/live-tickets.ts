import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { LiveTicket, LiveTicketRequest, TICKET_TTL_MS } from "../../protocol/live-tickets";
import type { AppBindings } from "../app-types";
import { requireUser } from "../auth";
import { validationHook } from "../errors";
import { mintLiveTicket } from "../live-tickets";
import { AUTH_503, bearerSecurity, errorResponses } from "../openapi-common";

const mintRoute = createRoute({
  method: "post",
  path: "/v1/live/tickets",
  // The socket route's own tag: a ticket exists only to open that socket.
  tags: ["live"],
  summary: "Trade a bearer token for a one-use ticket that signs a live socket in",
  description:
    "A bearer token never goes in a URL. The ticket opens one `GET /v1/targets/{target}/live?ticket=...` " +
    `socket, for this user and this target, within ${TICKET_TTL_MS / 1000} s, from the same \`Origin\` as this request ` +
    "(or none). The socket's writes end when the bearer token expires. Mints do not count against write limits.",
  security: bearerSecurity,
  middleware: [requireUser] as const,
  request: { body: { required: true, content: { "application/json": { schema: LiveTicketRequest } } } },
  responses: {
    201: { description: "A ticket and when it expires", content: { "application/json": { schema: LiveTicket } } },
    400: errorResponses[400],
    401: errorResponses[401],
    413: errorResponses[413],
    503: { description: `The server has no LIVE_TICKET_SECRET of its own; or: ${AUTH_503}`, content: errorResponses[400].content },
  },
});

export const liveTicketsRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook }).openapi(mintRoute, async (c) => {
  const { target } = c.req.valid("json");
  // The room is not woken: the ticket is signed here and checked by the Worker on the upgrade.
  const ticket = await mintLiveTicket(c.env, c.var.user, target, c.req.header("origin") ?? null, Date.now());
  return c.json(ticket, 201);
});
