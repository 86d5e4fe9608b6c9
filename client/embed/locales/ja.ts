import type { Messages } from "../messages";

export const messages: Messages = {
  like: "いいね",
  likes: { other: "いいね {n} 件" },
  viewers: { other: "{n} 人が視聴中" },
  signInToLike: "いいねするにはサインインしてください",
  signInToReact: "リアクションするにはサインインしてください",
  failed: "保存できませんでした。もう一度お試しください",
  offline: "オフライン、再接続中…",
  reactions: "リアクション",
};
