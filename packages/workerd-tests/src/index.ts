export { bundleTests, type WorkerModule } from "./bundle.ts";
export type { AssertionResult } from "./harness.ts";
