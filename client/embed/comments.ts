import { ChunkElement, type Chunk } from "./chunk-element";

/** The comment section's file, named by the build (scripts/build-embed.mjs) after its hash. */
declare const COMMENTS_CHUNK: string;

/** `<engage-comments target="post:abc">`: a shell; the section (comments/section.ts) is its own build. */
export class EngageComments extends ChunkElement {
  protected load(): Promise<Chunk> {
    return import(COMMENTS_CHUNK);
  }
}
