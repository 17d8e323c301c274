export { browserTestConfig, chromiumFlags } from "./browser-config.ts";
export { isNodeBuiltin, isTestHelper, nodeBuiltinStub, stubNodeBuiltins } from "./node-stubs.ts";
