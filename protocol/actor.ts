import { z } from "zod";
import { UserId } from "./target";

/** Who is calling a room, as the Worker verified it from the token. */
export const Actor = z.strictObject({
  userId: UserId,
  name: z.string().min(1).max(64),
  roles: z.array(z.string().max(128)).max(64),
});
export type Actor = z.infer<typeof Actor>;

export const ADMIN_ROLE = "admin";
export const memberRole = (target: string) => `member:${target}`;
