/** Resolves when the browser believes it is online; sockets wait here instead of failing in a loop. */
export function whenOnline(): Promise<void> {
  if (navigator.onLine) return Promise.resolve();
  return new Promise((resolve) => window.addEventListener("online", () => resolve(), { once: true }));
}

/**
 * Calls back on the browser's offline/online events. A socket can outlive a lost network for a
 * long time (no close until TCP gives up), so the page drops it on `offline` itself and
 * reconnects with `since` on `online`, which replays exactly what was missed.
 */
export function onNetworkChange(listener: (online: boolean) => void): () => void {
  const offline = () => listener(false);
  const online = () => listener(true);
  window.addEventListener("offline", offline);
  window.addEventListener("online", online);
  return () => {
    window.removeEventListener("offline", offline);
    window.removeEventListener("online", online);
  };
}
