#!/usr/bin/env node
import { runCli } from "./run.ts";

// A reader that stops early (`kv keys … | head`) closes the pipe: end quietly, as other tools do.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// A store that keeps a handle open after closing must not keep the process alive.
setTimeout(() => process.exit(code), 3000).unref();
