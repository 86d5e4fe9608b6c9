import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { CLOSE_CODES, ServerFrame } from "../../protocol/live";
import { LiveTicket } from "../../protocol/live-tickets";
import { e2eToken, eventually, uniqueTarget, uniqueUser } from "./secret";

const baseUrl = inject("baseUrl");

interface Opened {
  frames: ServerFrame[];
  closed: Promise<number>;
  socket: WebSocket;
}

function open(path: string, headers: Record<string, string> = {}): Promise<Opened> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, "ws")}${path}`, { headers });
  const frames: ServerFrame[] = [];
  socket.on("message", (data) => frames.push(ServerFrame.parse(JSON.parse(String(data)))));
  const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve({ frames, closed, socket }));
    socket.once("error", reject);
  });
}

async function mint(target: string, token: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/live/tickets`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ target }),
  });
  expect(res.status).toBe(201);
  return LiveTicket.parse(await res.json()).ticket;
}

/** Every file of the dev server's state (D1, rooms, the local trace store), as bytes. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats === undefined) return [];
    return stats.isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * A file's bytes, or none when SQLite removed it between the listing and the read: a shared-memory
 * (-shm) or WAL file goes away when its object's last connection closes, which the queue consumer's
 * user objects do at any moment (a CI run failed on exactly that). A removed file holds no token.
 */
function bytesOf(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return Buffer.alloc(0);
    throw error;
  }
}

/** The local Workers Observability store, through the dev server's explorer API. */
async function storedTraces(): Promise<string> {
  const rows: unknown[] = [];
  for (const sql of ["SELECT name, json(attributes) AS attributes, error FROM spans", "SELECT message FROM logs"]) {
    const res = await fetch(`${baseUrl}/cdn-cgi/local/explorer/api/local/observability/query`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sql }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    rows.push(await res.json());
  }
  return JSON.stringify(rows);
}

describe("tokens stay out of logs and traces", () => {
  it("signs a socket in, writes, and leaves the bearer token in no log line, trace or stored file; the ticket only where it is spent", async () => {
    const target = uniqueTarget();
    const token = await e2eToken(uniqueUser());
    const ticket = await mint(target, token);

    const writer = await open(`/v1/targets/${encodeURIComponent(target)}/live?ticket=${encodeURIComponent(ticket)}`);
    writer.socket.send(JSON.stringify({ type: "like", id: "l1" }));
    await eventually(() => writer.frames.some((f) => f.type === "ack"), 5_000, "ack");
    const rest = await fetch(`${baseUrl}/v1/likes`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ target, action: "unlike" }),
    });
    expect(rest.status).toBe(200);

    // The ticket a log or trace kept is worth nothing: it has opened its one socket.
    const replayed = await open(`/v1/targets/${encodeURIComponent(target)}/live?ticket=${encodeURIComponent(ticket)}`);
    expect(await replayed.closed).toBe(CLOSE_CODES.ticketUsed);
    writer.socket.close();

    // Traces and log lines are written after the response; give them a moment.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const log = readFileSync(inject("devLogFile"), "utf8");
    expect(log).toContain('"route":"/v1/targets/:target/live"');
    expect(log).toContain('"route":"/v1/live/tickets"');
    expect(log).not.toContain(token);
    expect(log).not.toContain(ticket);
    expect(log).not.toContain("?ticket=");

    const traces = await storedTraces();
    expect(traces).toContain("/v1/live/tickets");
    expect(traces).not.toContain(token);
    for (const file of filesUnder(inject("devStateDir"))) {
      expect(bytesOf(file).includes(token), file).toBe(false);
    }
  });

  it("refuses ?token= before any room sees it: an error frame and close 4401", async () => {
    const target = uniqueTarget();
    const socket = await open(`/v1/targets/${encodeURIComponent(target)}/live?token=${await e2eToken(uniqueUser())}`);
    expect(await socket.closed).toBe(CLOSE_CODES.ticketInvalid);
    expect(socket.frames).toEqual([{ type: "error", error: { code: "token_in_url", message: expect.any(String) } }]);
  });
});
