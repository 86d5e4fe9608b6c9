// Writes the document GET /openapi.json serves, without a server or the network, for the
// linter (`npm run lint:openapi`) and for anyone who wants the contract as a file.
//   tsx scripts/openapi.mjs [out.json]     default test-output/openapi.json
// Plain JavaScript run by tsx: it imports the Worker's TypeScript, which the Node-side
// typecheck (tsconfig.node.json) cannot load without the Workers types.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createApp } from "../workers/app";
import { openApiDocument } from "../workers/openapi-document";

const out = resolve(process.argv[2] ?? "test-output/openapi.json");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(openApiDocument(createApp()), null, 2)}\n`);
console.log(`wrote ${out}`);
