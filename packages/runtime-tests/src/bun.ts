// Bun: the suites every runtime runs, and the store on bun:sqlite.
import "./suites.ts";
import "../../bun-sqlite/test/conformance.test.ts";
import "../../bun-sqlite/test/readme.test.ts";
import { report } from "./report.ts";

await report();
