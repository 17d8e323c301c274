export { browserTestConfig, chromiumFlags } from "./browser-config.ts";
export { stubNodeBuiltins } from "./node-stubs.ts";
