import { createServer, type IncomingMessage } from "node:http";
import { connect as tcpConnect, type Socket } from "node:net";

/** What an interceptor answers in place of the upstream server. */
export interface ProxyAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** One request the proxy saw, with the upstream's answer when it forwarded it. */
export interface SeenRequest {
  method: string;
  path: string;
  at: number;
  status?: number;
  body?: string;
}

export interface LoopbackProxy {
  url: string;
  requests: SeenRequest[];
  /** Paths (with query) of the WebSocket upgrades the proxy forwarded. */
  upgrades: string[];
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 7.6.1) and the ones fetch recomputes itself. */
const NOT_FORWARDED = new Set(["host", "connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"]);

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return chunks.length === 0 ? undefined : Buffer.concat(chunks);
}

/**
 * A real HTTP server on loopback between the SDK and wrangler dev, standing in for what sits
 * in front of a deployment (a gateway, a CDN, a rate limiter): it forwards requests and
 * WebSocket upgrades as they are, unless `intercept` answers one itself. It also records what
 * crossed it, so a test sees the wire rather than the SDK's intentions.
 */
export async function startLoopbackProxy(upstream: string, intercept: (req: SeenRequest) => ProxyAnswer | undefined = () => undefined): Promise<LoopbackProxy> {
  const origin = new URL(upstream);
  const requests: SeenRequest[] = [];
  const upgrades: string[] = [];
  /** Upgraded sockets leave the HTTP server's books: closed by hand at the end. */
  const tunnels = new Set<Socket>();

  const server = createServer((req, res) => {
    const seen: SeenRequest = { method: req.method ?? "GET", path: req.url ?? "/", at: Date.now() };
    requests.push(seen);
    void (async () => {
      const answer = intercept(seen);
      if (answer !== undefined) {
        seen.status = answer.status;
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body ?? "");
        return;
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (NOT_FORWARDED.has(name) || value === undefined) continue;
        headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const body = await readBody(req);
      const answered = await fetch(new URL(seen.path, origin), { method: seen.method, headers, ...(body === undefined ? {} : { body }), redirect: "manual" });
      const text = await answered.text();
      seen.status = answered.status;
      seen.body = text;
      const out: Record<string, string> = {};
      answered.headers.forEach((value, name) => {
        if (!NOT_FORWARDED.has(name)) out[name] = value;
      });
      res.writeHead(answered.status, out);
      res.end(text);
    })().catch((error: unknown) => {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`proxy: ${String(error)}`);
    });
  });

  // An upgrade is forwarded byte for byte: the proxy writes the request head again and pipes.
  server.on("upgrade", (req: IncomingMessage, client, head: Buffer) => {
    upgrades.push(req.url ?? "/");
    const upstreamSocket = tcpConnect(Number(origin.port), origin.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstreamSocket.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length > 0) upstreamSocket.write(head);
      upstreamSocket.pipe(client);
      client.pipe(upstreamSocket);
    });
    tunnels.add(upstreamSocket);
    const drop = () => {
      tunnels.delete(upstreamSocket);
      upstreamSocket.destroy();
      client.destroy();
    };
    upstreamSocket.on("error", drop);
    client.on("error", drop);
    upstreamSocket.on("close", drop);
    client.on("close", drop);
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    upgrades,
    close: () =>
      new Promise<void>((resolve) => {
        for (const tunnel of tunnels) tunnel.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
