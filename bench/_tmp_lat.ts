import { sign } from "hono/jwt";
import { startDevServer } from "/work/wt3/scripts/dev-server";
const s = await startDevServer({ authSecret: "x", port: 8788 });
try {
  for (const path of ["/health", "like"]) {
    const t: number[] = [];
    for (let i = 0; i < 20; i++) {
      const tok = await sign({ sub: `u${i}`, exp: Math.floor(Date.now() / 1000) + 100 }, "x", "HS256");
      const a = performance.now();
      const r = path === "like"
        ? await fetch(`${s.url}/v1/likes`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tok}` }, body: JSON.stringify({ target: "post:lat", action: "like" }) })
        : await fetch(`${s.url}${path}`);
      await r.text();
      t.push(performance.now() - a);
    }
    t.sort((x, y) => x - y);
    console.log(path, "p50", t[10]!.toFixed(1), "max", t[19]!.toFixed(1));
  }
} finally { await s.stop(); }
