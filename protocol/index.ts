export * from "./target";
export * from "./errors";
export * from "./likes";
export * from "./events";
