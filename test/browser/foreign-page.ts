import { createServer, type Server } from "node:http";

/**
 * Another site's page (test/browser/cors.test.ts): a small Node server on loopback, so its
 * origin (`http://127.0.0.1:<its port>`) differs from the Worker's. The page calls the API
 * with plain fetch and WebSocket as any site would, and answers each call with what it could
 * read, or with the error the browser gave it: a blocked CORS read is a TypeError, not a status.
 * The token reaches it through `signIn(api, token)`, never through a URL.
 */
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>another site</title></head>
<body>
<p>An article on another site, with likes and live counts from the engagement API.</p>
<script>
  let api = "";
  let token = "";
  const frames = [];
  window.liveFrames = frames;
  let socket = null;
  window.signIn = (apiBase, bearer) => { api = apiBase; token = bearer; };
  const failure = (error) => ({ error: String(error) });
  async function call(method, path, body) {
    try {
      const res = await fetch(api + path, {
        method,
        headers: {
          ...(token ? { authorization: "Bearer " + token } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json", "idempotency-key": crypto.randomUUID() }),
          "x-request-id": "page-" + crypto.randomUUID().slice(0, 8),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: await res.json(), requestId: res.headers.get("x-request-id"), cache: res.headers.get("x-cache") };
    } catch (error) {
      return failure(error);
    }
  }
  window.like = (target) => call("POST", "/v1/likes", { target, action: "like" });
  window.comment = (target, text) => call("POST", "/v1/targets/" + encodeURIComponent(target) + "/comments", { text });
  window.readCount = (target) => call("GET", "/v1/targets/" + encodeURIComponent(target) + "/count");
  /** Opens the live socket, signed in with a ticket when signed in; answers its first frame. */
  window.watch = async (target, signedIn) => {
    let query = "";
    if (signedIn) {
      const minted = await call("POST", "/v1/live/tickets", { target });
      if (minted.error !== undefined || minted.status !== 201) return { mint: minted };
      query = "?ticket=" + encodeURIComponent(minted.body.ticket);
    }
    return new Promise((resolve) => {
      socket = new WebSocket(api.replace(/^http/, "ws") + "/v1/targets/" + encodeURIComponent(target) + "/live" + query);
      let first = null;
      socket.onmessage = (event) => {
        const frame = JSON.parse(event.data);
        frames.push(frame);
        if (first === null) {
          first = frame;
          if (frame.type === "hello") resolve({ first });
        }
      };
      socket.onclose = (event) => resolve({ first, closed: event.code });
    });
  };
  window.send = (frame) => socket.send(JSON.stringify(frame));
</script>
</body>
</html>`;

export interface ForeignPage {
  /** `http://127.0.0.1:<port>`: what the browser sends as Origin from this page. */
  origin: string;
  close(): Promise<void>;
}

export async function startForeignPage(): Promise<ForeignPage> {
  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && (req.url === "/" || req.url === "/index.html")) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(PAGE);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the page server has no port");
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
