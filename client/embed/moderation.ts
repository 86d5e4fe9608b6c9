import { ChunkElement, type Chunk } from "./chunk-element";

/** The moderation view's file, named by the build (scripts/build-embed.mjs) after its hash. */
declare const MODERATION_CHUNK: string;

/** `<engage-moderation target="post:abc">`: a shell; the view (moderation/view.ts) is its own build. */
export class EngageModeration extends ChunkElement {
  protected load(): Promise<Chunk> {
    return import(MODERATION_CHUNK);
  }
}
