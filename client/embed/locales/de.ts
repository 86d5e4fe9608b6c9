import type { Messages } from "../messages";

export const messages: Messages = {
  like: "Gefällt mir",
  likes: { one: "{n} Like", other: "{n} Likes" },
  viewers: { one: "{n} schaut zu", other: "{n} schauen zu" },
  signInToLike: "Zum Liken anmelden",
  signInToReact: "Zum Reagieren anmelden",
  failed: "Nicht gespeichert, bitte erneut versuchen",
  offline: "Offline, verbinde neu…",
  reactions: "Reaktionen",
};
