export { NullStore } from "./null-store.ts";
