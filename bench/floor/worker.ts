// The fan-out floor: one Durable Object that accepts hibernatable sockets and, on /fire, sends
// every one of them the same count frame in one loop. No auth, storage, coalescing, slow-reader
// bookkeeping, alarms, D1 or queues: what is left is the runtime's own cost per socket, the
// number the room's figures in `npm run bench` are read against.
import { DurableObject } from "cloudflare:workers";

interface FloorEnv {
  FLOOR_ROOM: DurableObjectNamespace<FloorRoom>;
}

export class FloorRoom extends DurableObject<FloorEnv> {
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/fire") {
      const seq = Number(url.searchParams.get("seq") ?? 0);
      // The room's own count frame, so both measurements move the same bytes.
      const frame = JSON.stringify({ type: "count", count: seq, seq });
      const sockets = this.ctx.getWebSockets();
      for (const ws of sockets) ws.send(frame);
      return Response.json({ sockets: sockets.length });
    }
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    pair[1].send(JSON.stringify({ type: "hello", seq: 0 }));
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
  }
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    if (new URL(request.url).pathname === "/health") return Response.json({ ok: true });
    return env.FLOOR_ROOM.get(env.FLOOR_ROOM.idFromName("floor")).fetch(request);
  },
} satisfies ExportedHandler<FloorEnv>;
