import type { ServerFrame } from "../protocol/live";

/**
 * Accepts a socket only to say why it cannot stay: a browser cannot read the status or body
 * of a refused upgrade, but it can read this frame and the close code. No room is involved.
 */
export function refusedSocket(frame: ServerFrame, code: number, reason: string): Response {
  const pair = new WebSocketPair();
  const server = pair[1];
  server.accept();
  server.send(JSON.stringify(frame));
  server.close(code, reason);
  return new Response(null, { status: 101, webSocket: pair[0] });
}
