// The whole suite: the key-value suite, which runs in every JavaScript runtime, and the blob
// suite and the helpers that need Node (blob stores stream through Node's Readable).
export * from "./blob.ts";
export * from "./key-value.ts";
export * from "./private-server.ts";
export * from "./stream-through.ts";
export * from "./temporary-paths.ts";
