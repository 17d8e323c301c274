export { ExitCode } from "./exit-codes.ts";
export type { CliIo, OutputStream } from "./output.ts";
export { runCli } from "./run.ts";
