import type { LiveConnection } from "../live";
import type { Hub } from "../embed/hub";

/**
 * The comment list (comments-view.ts) still speaks client/live.ts's LiveConnection; the page's
 * one socket per target is now the embed's hub (client/embed/hub.ts), shared with the like,
 * reaction and viewer elements, so the room counts each visitor once. This adapter gives the
 * comment list the writes it uses over that socket, until <engage-comments> replaces it.
 */
export function hubConnection(hub: Hub): LiveConnection {
  const ack = async (type: string, fields: object) => hub.write(type, fields);
  const result = async (liked: boolean) => {
    const { result } = await ack(liked ? "like" : "unlike", {});
    if (result === undefined) throw new Error("the room answered without a result");
    return result;
  };
  return {
    like: () => result(true),
    unlike: () => result(false),
    async comment(text, replyTo) {
      const { comment } = await ack("comment", replyTo === undefined ? { text } : { text, replyTo });
      if (comment === undefined) throw new Error("the room answered without the comment");
      return comment;
    },
    async react(emoji, action, commentId) {
      const { reaction } = await ack("react", commentId === undefined ? { emoji, action } : { emoji, action, commentId });
      if (reaction === undefined) throw new Error("the room answered without the reaction");
      return reaction;
    },
    get state() {
      return { count: hub.state.count, viewers: hub.state.viewers, seq: null, countSeq: null, mode: "full" as const };
    },
    get status() {
      const status = hub.state.status;
      return status === "offline" ? "reconnecting" : status;
    },
    reconnect: () => hub.reconnect(),
    // The hub closes itself when the page's last subscriber leaves.
    close: () => {},
  };
}
