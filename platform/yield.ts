/**
 * Lets the runtime run what waits behind this code (sent frames, new requests, timers) before
 * going on: a timer goes through the event loop, where calls to objects in the same process
 * and a loop over thousands of sockets never do.
 */
export function yieldToRuntime(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
