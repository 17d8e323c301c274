#!/usr/bin/env node
import { runCli } from "./run.ts";

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// A store that keeps a handle open after closing must not keep the process alive.
setTimeout(() => process.exit(code), 3000).unref();
