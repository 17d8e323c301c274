import type { Output } from "./output.ts";
import type { ProgressMode } from "./progress.ts";

/** What every command is given besides its own arguments. */
export interface CommandContext {
  output: Output;
  progress: ProgressMode;
}
