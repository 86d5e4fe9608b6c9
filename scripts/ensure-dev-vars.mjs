// Gives a fresh checkout a working local secret without ever committing .dev.vars.
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("created .dev.vars from .dev.vars.example");
} else {
  // A .dev.vars from before a key existed: without it the live page or deletions fail.
  // LIVE_TICKET_SECRET: live tickets; SUBJECT_KEY_SECRET: AUTH_SECRET's second job until issue 18.
  for (const name of ["LIVE_TICKET_SECRET", "SUBJECT_KEY_SECRET"]) {
    if (!new RegExp(`^${name}=`, "m").test(readFileSync(".dev.vars", "utf8"))) {
      appendFileSync(".dev.vars", `\n${name}=${randomBytes(32).toString("hex")}\n`);
      console.log(`added a ${name} to .dev.vars`);
    }
  }
}
