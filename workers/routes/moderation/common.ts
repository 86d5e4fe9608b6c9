import { z } from "zod";
import { TargetId, UserId } from "../../../protocol/target";
import { errorResponses, limitResponses } from "../../openapi-common";

export const TargetParams = z.object({ target: TargetId });
export const TargetUserParams = z.object({ target: TargetId, userId: UserId });

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const moderatorErrors = {
  ...errorResponses,
  403: { description: "Not a moderator of this target (owner, added moderator or admin)", content: errorResponses[400].content },
} as const;

/** Moderation writes also count against their author's moderation-writes rate (429). */
export const moderatorWriteErrors = { ...moderatorErrors, ...limitResponses } as const;
