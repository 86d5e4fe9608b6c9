import { z } from "zod";
import { TargetId, UserId } from "../../../protocol/target";
import { errorResponses } from "../../openapi-common";

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
