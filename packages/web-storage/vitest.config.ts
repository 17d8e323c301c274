import { mergeConfig } from "vitest/config";
import { sharedConfig } from "../../vitest.shared.ts";
import { browserTestConfig } from "../browser-tests/src/browser-config.ts";

export default mergeConfig(sharedConfig, browserTestConfig());
