// Gives a fresh checkout a working local secret without ever committing .dev.vars.
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("created .dev.vars from .dev.vars.example");
} else if (!/^LIVE_TICKET_SECRET=/m.test(readFileSync(".dev.vars", "utf8"))) {
  // A .dev.vars from before live tickets: without this key the live page cannot sign in.
  appendFileSync(".dev.vars", `\nLIVE_TICKET_SECRET=${randomBytes(32).toString("hex")}\n`);
  console.log("added a LIVE_TICKET_SECRET to .dev.vars");
}
