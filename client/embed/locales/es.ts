import type { Messages } from "../messages";

export const messages: Messages = {
  like: "Me gusta",
  likes: { one: "{n} me gusta", other: "{n} me gusta" },
  viewers: { one: "{n} mirando", other: "{n} mirando" },
  signInToLike: "Inicia sesión para dar me gusta",
  signInToReact: "Inicia sesión para reaccionar",
  failed: "No se guardó, inténtalo de nuevo",
  offline: "Sin conexión, reconectando…",
  reactions: "Reacciones",
};
