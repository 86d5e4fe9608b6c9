import { afterAll, afterEach, beforeAll, inject } from "vitest";
import { createResponseValidator, type RecordedAnswer, type ResponseValidator } from "./openapi-validator";

/**
 * Every HTTP answer an e2e test receives from the dev server is checked against the
 * /openapi.json that server publishes, so the document cannot drift from the code: a test
 * whose answers break the contract fails in its afterEach, naming each mismatch.
 * WebSocket frames are not HTTP answers and are not checked here.
 */
const baseUrl = inject("baseUrl");
const origin = new URL(baseUrl).origin;
const unwrappedFetch = globalThis.fetch.bind(globalThis);
let validator: ResponseValidator | undefined;
const mismatches: string[] = [];
const pending = new Set<Promise<void>>();

function record(answer: RecordedAnswer): void {
  try {
    if (validator === undefined) throw new Error("the contract validator is not ready (beforeAll)");
    mismatches.push(...validator(answer));
  } catch (error) {
    mismatches.push(`${answer.method} ${answer.path} -> ${answer.status}: could not be checked: ${String(error)}`);
  }
}

beforeAll(async () => {
  validator = createResponseValidator(await (await unwrappedFetch(`${origin}/openapi.json`)).json());
});

globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
  const response = await unwrappedFetch(input, init);
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (url.origin !== origin) return response;
  const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
  // Read a copy now, before the test consumes the body; the test gets the original.
  const checked = response
    .clone()
    .text()
    .then(
      (body) => record({ method, path: url.pathname + url.search, status: response.status, contentType: response.headers.get("content-type"), body }),
      (error: unknown) => void mismatches.push(`${method} ${url.pathname}: the answer's body could not be read: ${String(error)}`),
    );
  pending.add(checked);
  void checked.finally(() => pending.delete(checked));
  return response;
};

async function failOnMismatches(): Promise<void> {
  await Promise.all(pending);
  const found = mismatches.splice(0);
  if (found.length > 0) {
    throw new Error(`answers that /openapi.json does not describe (fix the document or the server):\n${found.join("\n")}`);
  }
}

afterEach(failOnMismatches);
// Answers to a file's own afterEach/afterAll hooks arrive after the last test's check.
afterAll(failOnMismatches);
