// Deno: the suites every runtime runs.
import "./suites.ts";
import { report } from "./report.ts";

await report();
