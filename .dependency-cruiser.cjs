/**
 * The floors of the house and which way they stack (docs/architecture.md):
 *   workers/ (HTTP, queues, cron) -> durable-objects/ -> platform/ -> protocol/internal/ -> protocol/
 *   client/ (browser) -> protocol/ public wire (protocol/mini/ included), never protocol/internal/
 * `npm test` runs these rules (scripts/test-all.sh); `npx depcruise -c .dependency-cruiser.cjs
 * workers durable-objects platform protocol client` runs them alone.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "Modules that import each other load in an order nobody chose, and neither can be read alone. " +
        "Circles made only possible by `import type` are erased at build time and allowed.",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "no-circular-types",
      severity: "warn",
      comment:
        "A circle through `import type` costs nothing at run time but still ties two files together; " +
        "none is left (docs/architecture.md), so a new one is worth a look.",
      from: {},
      to: { circular: true },
    },
    {
      name: "objects-not-into-http",
      severity: "error",
      comment: "Durable Objects stand on platform/ and protocol/; the HTTP layer stands on them, never the other way.",
      from: { path: "^durable-objects/" },
      to: { path: "^workers/" },
    },
    {
      name: "platform-stays-down",
      severity: "error",
      comment:
        "platform/ (env, log, addressing, like routing, D1 schema) is the floor the objects and the Worker stand on; " +
        "it names no class above it (each Durable Object adds its binding type to platform/env.ts itself).",
      from: { path: "^platform/" },
      to: { path: "^(workers|durable-objects|client|scripts|bench|test)/" },
    },
    {
      name: "protocol-stays-down",
      severity: "error",
      comment: "protocol/ is plain schemas and constants shared with the browser: it imports nothing of ours above it.",
      from: { path: "^protocol/" },
      to: { path: "^(workers|durable-objects|platform|client|scripts|bench|test)/" },
    },
    {
      name: "public-wire-stands-alone",
      severity: "error",
      comment:
        "protocol/internal/ holds the Worker <-> object contracts; the public wire (HTTP bodies, live frames, " +
        "events), its zod/mini mirrors and the browser bundle never read them, so an internal change never reaches a client.",
      from: { path: "^(protocol|client)/", pathNot: "^protocol/internal/" },
      to: { path: "^protocol/internal/" },
    },
    {
      name: "client-reads-the-wire",
      severity: "error",
      comment: "The browser bundle speaks the public wire only: nothing of the Worker, the objects or the platform floor.",
      from: { path: "^client/" },
      to: { path: "^(workers|durable-objects|platform)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^node_modules/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // Keeps `cloudflare:workers` and other runtime modules from being reported as unresolvable.
    moduleSystems: ["es6"],
  },
};
