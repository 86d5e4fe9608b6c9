import { createServer, type IncomingMessage, type Server } from "node:http";
import { z } from "zod";

/**
 * A site that embeds us (test/browser/embed.test.ts), on its own loopback origin: a post page
 * and a listing page that load `<api>/embed/v1.js`, under a strict CSP (no inline script or
 * style, no eval, Trusted Types required), and the site's own sign-in: `POST /sign-in` gets a
 * token from the site's identity provider (test/support/identity-provider.ts) and keeps it in
 * the session; the page's token function reads it from `/engage-token`, same origin, by cookie.
 * Tokens never appear in a URL.
 */
export interface EmbedHost {
  origin: string;
  /** The Worker's origin (started after this server, since it must list this origin in CORS_ORIGINS). */
  useApi(api: string): void;
  close(): Promise<void>;
}

const TARGET = /^(post|game|stream|comment):[A-Za-z0-9_-]{1,64}$/;
const Choice = z.object({
  target: z.string().regex(TARGET).optional(),
  targets: z.string().optional(),
  /** A listing's target placed far below the fold (a count out of view is not read). */
  below: z.string().regex(TARGET).optional(),
  theme: z.enum(["light", "dark", "auto"]).optional(),
  locale: z.string().regex(/^[a-z]{2}$/).optional(),
  /** Adds the post's <engage-comments> below it. */
  comments: z.literal("1").optional(),
  /** Adds <engage-moderation> for the post below it. */
  moderation: z.literal("1").optional(),
});

// The page's script, a file of the site (script-src allows no inline script).
const hostScript = (api: string) => `
import { configure } from ${JSON.stringify(`${api}/embed/v1.js`)};
window.violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.violations.push(e.effectiveDirective + " " + e.blockedURI));
const token = async () => {
  const res = await fetch("/engage-token");
  return res.ok ? (await res.text()) || null : null;
};
configure({ token });
window.signIn = async (user) => {
  await fetch("/sign-in", { method: "POST", body: user });
  configure({ token });
};
document.documentElement.dataset.ready = "true";
`;

const attributes = (values: Record<string, string | undefined>) =>
  Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${value}"`)
    .join("");

function page(choice: z.infer<typeof Choice>): string {
  const common = { theme: choice.theme, locale: choice.locale };
  const body =
    choice.targets !== undefined
      ? `<h1>Posts</h1><ul>${choice.targets
          .split(",")
          .filter((target) => TARGET.test(target))
          .map((target) => `<li><a href="#">${target}</a> <engage-count${attributes({ target, ...common })}></engage-count></li>`)
          .join("")}</ul>${choice.below === undefined ? "" : `<div class="spacer"></div><p class="below"><engage-count${attributes({ target: choice.below, ...common })}></engage-count></p>`}`
      : `<article><h1>A post on another site</h1><p>Some words worth liking.</p>
<p><engage-like${attributes({ target: choice.target, ...common })}></engage-like>
<engage-viewers${attributes({ target: choice.target, ...common })}></engage-viewers>
<engage-count${attributes({ target: choice.target, ...common })}></engage-count></p>
<p><engage-reactions${attributes({ target: choice.target, ...common })}></engage-reactions></p></article>${
          choice.comments === undefined ? "" : `<engage-comments${attributes({ target: choice.target, ...common })}></engage-comments>`
        }${choice.moderation === undefined ? "" : `<engage-moderation${attributes({ target: choice.target, ...common })}></engage-moderation>`}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>a site</title><link rel="stylesheet" href="/site.css"></head>
<body${choice.theme === "dark" ? ' class="dark"' : ""}>${body}<script type="module" src="/host.js"></script></body></html>`;
}

const SITE_CSS = `body { font-family: Georgia, serif; margin: 2rem; } body.dark { background: #0d1117; color: #e6edf3; }
engage-like { --engage-accent: #8250df; } .spacer { height: 3000px; }`;

async function readBody(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += String(chunk);
  return text;
}

export async function startEmbedHost(tokenUrl: string): Promise<EmbedHost> {
  const sessions = new Map<string, string>();
  let api = "";
  const policy = () => [
    "default-src 'none'",
    `script-src 'self' ${api}`,
    `connect-src 'self' ${api} ${api.replace(/^http/, "ws")}`,
    "style-src 'self'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join("; ");
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://host.invalid");
      const session = /(?:^|; )sid=([\w-]+)/.exec(req.headers.cookie ?? "")?.[1];
      if (req.method === "GET" && (url.pathname === "/post" || url.pathname === "/list")) {
        const choice = Choice.parse(Object.fromEntries(url.searchParams));
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-security-policy": policy(), "cache-control": "no-store" }).end(page(choice));
      } else if (req.method === "GET" && url.pathname === "/host.js") {
        res.writeHead(200, { "content-type": "text/javascript", "cache-control": "no-store" }).end(hostScript(api));
      } else if (req.method === "GET" && url.pathname === "/site.css") {
        res.writeHead(200, { "content-type": "text/css" }).end(SITE_CSS);
      } else if (req.method === "POST" && url.pathname === "/sign-in") {
        const user = await readBody(req);
        const answer = await fetch(tokenUrl, { method: "POST", body: JSON.stringify({ sub: user, name: user }) });
        const { token } = z.object({ token: z.string() }).parse(await answer.json());
        const sid = crypto.randomUUID();
        sessions.set(sid, token);
        res.writeHead(204, { "set-cookie": `sid=${sid}; Path=/; HttpOnly; SameSite=Lax` }).end();
      } else if (req.method === "GET" && url.pathname === "/engage-token") {
        const token = session === undefined ? undefined : sessions.get(session);
        res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-store" }).end(token ?? "");
      } else res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the host page server has no port");
  return {
    origin: `http://127.0.0.1:${address.port}`,
    useApi: (origin) => {
      api = origin;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
