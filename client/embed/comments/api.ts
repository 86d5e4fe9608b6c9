import * as z from "zod/mini";

/**
 * The section's REST calls. Reads are plain GETs (no preflight); writes carry the site's
 * token as a bearer header, read fresh for each call. A refusal becomes an ApiError with the
 * server's code, which the section words from its catalogue, never the server's message.
 */
export class ApiError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const ErrorCode = z.object({ error: z.object({ code: z.string() }) });

export type TokenProvider = () => Promise<string | null>;

export class Api {
  constructor(
    private readonly base: string,
    private readonly target: string,
    private readonly token: TokenProvider,
  ) {}

  /** `path` is under the target: "" for the target itself, "/comments?..." and so on. */
  async read<T>(path: string, schema: z.ZodMiniType<T>): Promise<T> {
    return this.answer(await fetch(this.url(path)), schema);
  }

  /** A call as the signed-in user (every write, and reads only moderators may make). */
  async write<T>(method: string, path: string, body: unknown, schema: z.ZodMiniType<T>): Promise<T> {
    const token = await this.token();
    if (token === null) throw new ApiError("sign_in");
    const res = await fetch(this.url(path), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return this.answer(res, schema);
  }

  private url(path: string): string {
    return `${this.base}/v1/targets/${encodeURIComponent(this.target)}${path}`;
  }

  private async answer<T>(res: Response, schema: z.ZodMiniType<T>): Promise<T> {
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(ErrorCode.safeParse(body).data?.error.code ?? "failed");
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new ApiError("failed");
    return parsed.data;
  }
}
