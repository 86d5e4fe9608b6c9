// A real identity provider on loopback for the tests (issue 18): serves a JWKS with RS256 and
// ES256 keys, signs tokens with them, rotates keys, and can go down or answer slowly. Node
// only (node:http, jose); the e2e, CORS and browser tests start one each and point a wrangler
// dev's AUTH_PROVIDERS at it.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

const SignInRequest = z.strictObject({ sub: z.string().min(1).max(128), name: z.string().max(200).optional() });

export type ProviderAlgorithm = "RS256" | "ES256";

interface SigningKey {
  kid: string;
  alg: ProviderAlgorithm;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** How the JWKS endpoint behaves: answers, refuses (503, like a provider in an outage), or stalls. */
export type ProviderMode = { state: "up" } | { state: "down" } | { state: "slow"; delayMs: number };

export interface TokenOptions {
  /** Signing key; default the newest key of `alg` (default RS256). */
  kid?: string;
  alg?: ProviderAlgorithm;
  /** Seconds from now; negative for an expired token. Default 600. */
  expiresIn?: number;
  /** Seconds from now for `nbf`; unset: no nbf. */
  notBefore?: number;
  /** The audience; null leaves `aud` out. Default the provider's `audience`. */
  audience?: string | string[] | null;
  /** `iss`; default the provider's issuer. */
  issuer?: string;
}

export interface TestIdentityProvider {
  /** Also its issuer: `http://127.0.0.1:<port>/`. */
  issuer: string;
  /** POST `{sub, name?}` -> `{token}`: the provider's sign-in for tests in another process. */
  tokenUrl: string;
  jwksUrl: string;
  audience: string;
  /** Every GET of the JWKS, answered or not. */
  jwksRequests(): number;
  sign(claims: JWTPayload & { sub: string }, options?: TokenOptions): Promise<string>;
  /** Adds a key (the provider's rotation starts this way) and answers its kid. */
  addKey(alg: ProviderAlgorithm): Promise<string>;
  /** Drops a key from the JWKS; tokens it signed stop verifying once caches expire. */
  removeKey(kid: string): void;
  kids(): string[];
  setMode(mode: ProviderMode): void;
  /** What an entry of AUTH_PROVIDERS for this provider looks like; `extra` overrides. */
  config(extra?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

async function newKey(alg: ProviderAlgorithm, n: number): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${n}-${crypto.randomUUID().slice(0, 8)}`;
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

export async function startIdentityProvider(options: { audience?: string; algorithms?: ProviderAlgorithm[]; mode?: ProviderMode } = {}): Promise<TestIdentityProvider> {
  let counter = 0;
  const keys: SigningKey[] = [];
  for (const alg of options.algorithms ?? ["RS256", "ES256"]) keys.push(await newKey(alg, ++counter));
  let mode: ProviderMode = options.mode ?? { state: "up" };
  let requests = 0;
  const stalled = new Set<ServerResponse>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // The provider's sign-in, as a site's login would end: a token for the subject it names.
    if (req.method === "POST" && req.url === "/token") {
      void issueToken(req, res);
      return;
    }
    if (req.method !== "GET" || req.url !== "/.well-known/jwks.json") {
      res.writeHead(404).end();
      return;
    }
    requests += 1;
    const answer = () => {
      stalled.delete(res);
      if (res.destroyed) return;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: keys.map((key) => key.publicJwk) }));
    };
    if (mode.state === "down") {
      res.writeHead(503, { "content-type": "text/plain" }).end("provider outage");
    } else if (mode.state === "slow") {
      stalled.add(res);
      setTimeout(answer, mode.delayMs);
    } else {
      answer();
    }
  });
  async function issueToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = "";
    for await (const chunk of req) text += String(chunk);
    const parsed = SignInRequest.safeParse(JSON.parse(text || "null"));
    if (!parsed.success) {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: parsed.error.message }));
      return;
    }
    const token = await provider.sign({ sub: parsed.data.sub, ...(parsed.data.name === undefined ? {} : { name: parsed.data.name }) });
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token }));
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const audience = options.audience ?? "engagement-tests";

  const provider: TestIdentityProvider = {
    issuer,
    tokenUrl: `${issuer}token`,
    jwksUrl: `${issuer}.well-known/jwks.json`,
    audience,
    jwksRequests: () => requests,
    async sign(claims, tokenOptions = {}) {
      const alg = tokenOptions.alg ?? "RS256";
      const key = tokenOptions.kid === undefined ? keys.findLast((k) => k.alg === alg) : keys.find((k) => k.kid === tokenOptions.kid);
      if (key === undefined) throw new Error(`no ${tokenOptions.kid ?? alg} key`);
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
        .setIssuer(tokenOptions.issuer ?? issuer)
        .setIssuedAt(now)
        .setExpirationTime(now + (tokenOptions.expiresIn ?? 600));
      const aud = tokenOptions.audience === undefined ? audience : tokenOptions.audience;
      if (aud !== null) jwt.setAudience(aud);
      if (tokenOptions.notBefore !== undefined) jwt.setNotBefore(now + tokenOptions.notBefore);
      return jwt.sign(key.privateKey);
    },
    async addKey(alg) {
      const key = await newKey(alg, ++counter);
      keys.push(key);
      return key.kid;
    },
    removeKey(kid) {
      const i = keys.findIndex((key) => key.kid === kid);
      if (i >= 0) keys.splice(i, 1);
    },
    kids: () => keys.map((key) => key.kid),
    setMode(next) {
      mode = next;
    },
    config(extra = {}) {
      return { issuer, jwksUrl: `${issuer}.well-known/jwks.json`, audience, algorithms: ["RS256", "ES256"], ...extra };
    },
    async close() {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return provider;
}
