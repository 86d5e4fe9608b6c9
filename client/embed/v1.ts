/**
 * The embed, `GET /embed/v1.js` (docs/embed.md): an ES module a site imports with one script
 * tag. Importing it defines the elements; `configure()` hands it the site's token.
 *
 *   <script type="module">
 *     import { configure } from "https://engage.example.com/embed/v1.js";
 *     configure({ token: async () => (await fetch("/session/engage-token")).text() || null });
 *   </script>
 *   <engage-like target="post:abc"></engage-like>
 */
import { EngageComments } from "./comments";
import { EngageCount } from "./count";
import { define } from "./element";
import { EngageLike } from "./like";
import { EngageModeration } from "./moderation";
import { EngageReactions } from "./reactions";
import { EngageViewers } from "./viewers";

export { configure, type EmbedOptions, type TokenProvider } from "./config";
export { EngageComments, EngageCount, EngageLike, EngageModeration, EngageReactions, EngageViewers };

define("engage-like", EngageLike);
define("engage-count", EngageCount);
define("engage-viewers", EngageViewers);
define("engage-reactions", EngageReactions);
define("engage-comments", EngageComments);
define("engage-moderation", EngageModeration);
