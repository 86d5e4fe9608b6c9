// The page's like, reactions, viewers and counts are the embed's own elements (client/embed,
// docs/embed.md): one UI to keep good. Importing the embed defines them.
import "../embed/v1";
import type { EngageComments, EngageCount, EngageLike, EngageModeration, EngageReactions, EngageViewers } from "../embed/v1";

declare global {
  interface HTMLElementTagNameMap {
    "engage-like": EngageLike;
    "engage-count": EngageCount;
    "engage-reactions": EngageReactions;
    "engage-viewers": EngageViewers;
    "engage-comments": EngageComments;
    "engage-moderation": EngageModeration;
  }
}

export { configure } from "../embed/v1";
export { hubFor } from "../embed/hub";
