import { afterEach, describe, expect, inject, it } from "vitest";
import { PROTOCOL_VERSION } from "../../protocol/live";
import { RawSocket } from "./raw-socket";
import { uniqueTarget } from "./secret";

/**
 * RFC 6455 where the runtime lets the room follow it, on the wire against `wrangler dev`:
 * what workerd's own WebSocket cannot send (invalid UTF-8, reserved close codes) goes out
 * through a client written on a bare TCP socket (raw-socket.ts).
 */

const baseUrl = inject("baseUrl");
const open: RawSocket[] = [];

afterEach(() => {
  for (const socket of open.splice(0)) socket.destroy();
});

async function join(): Promise<RawSocket> {
  const socket = await RawSocket.open(baseUrl, `/v1/targets/${encodeURIComponent(uniqueTarget())}/live?v=${PROTOCOL_VERSION}`);
  open.push(socket);
  await socket.text((text) => text.startsWith('{"type":"hello"'));
  return socket;
}

describe("WebSocket conformance against wrangler dev", () => {
  it("fails the connection with 1007 on a text frame holding invalid UTF-8", async () => {
    const socket = await join();
    // `{"type":"ping","x":"` + 0xff 0xfe (never valid in UTF-8) + `"}`.
    socket.sendText(Buffer.concat([Buffer.from('{"type":"ping","x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]));
    expect(await socket.closeCode()).toBe(1007);
    expect(socket.texts().some((text) => text.includes('"invalid_json"'))).toBe(false);
  });

  it("answers a text frame with valid UTF-8 beyond ASCII as a frame of the protocol", async () => {
    const socket = await join();
    socket.sendText(Buffer.from('{"type":"seen","mark":"é"}'));
    expect(await socket.text((text) => text.includes('"invalid_request"'))).toContain('"type":"error"');
    socket.sendClose(1000);
    expect(await socket.closeCode()).toBe(1000);
  });

  it.each([0, 999, 1004, 1006, 1015, 1016, 2999, 5000, 65535])("answers a close frame with code %i, which no endpoint may send, with 1002", async (code) => {
    const socket = await join();
    socket.sendClose(code);
    expect(await socket.closeCode()).toBe(1002);
  });

  it.each([1000, 1001, 1002, 1003, 1007, 1008, 1011, 1013, 3000, 4000, 4999])("echoes a valid close code %i", async (code) => {
    const socket = await join();
    socket.sendClose(code);
    expect(await socket.closeCode()).toBe(code);
  });

  it("answers a close frame without a code with 1000", async () => {
    const socket = await join();
    socket.sendFrame(0x8, Buffer.alloc(0));
    expect(await socket.closeCode()).toBe(1000);
  });
});
