import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppBindings } from "../app-types";
import { validationHook } from "../errors";
import { banRoutes } from "./moderation/bans";
import { memberRoutes } from "./moderation/members";
import { reportRoutes } from "./moderation/reports";
import { targetRoutes } from "./moderation/targets";
import { termRoutes } from "./moderation/terms";
import { modLogRoutes } from "./moderation/modlog";
import { heldRoutes } from "./moderation/held";
import { restrictionRoutes } from "./moderation/restrictions";

/** Target registration, moderators, bans, settings, members, reports, terms, the mod log and the review queue (see docs/moderation.md). */
export const moderationRoutes = new OpenAPIHono<AppBindings>({ defaultHook: validationHook })
  .route("/", targetRoutes)
  .route("/", banRoutes)
  .route("/", memberRoutes)
  .route("/", reportRoutes)
  .route("/", termRoutes)
  .route("/", modLogRoutes)
  .route("/", heldRoutes)
  .route("/", restrictionRoutes);
