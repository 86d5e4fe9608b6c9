import { createApp } from "./app";
import type { AppEnv } from "./env";
import { consumeEngagementEvents } from "./queue-consumer";

export { TargetRoom } from "../durable-objects/target-room";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    await consumeEngagementEvents(batch, env);
  },
} satisfies ExportedHandler<AppEnv>;
