export * from "./target";
export * from "./errors";
export * from "./likes";
export * from "./events";
export * from "./analytics";
export * from "./deletion";
export * from "./reconcile";
