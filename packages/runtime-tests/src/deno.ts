// Deno: the suites every runtime runs, and the store on Deno KV.
import "./suites.ts";
import "../../deno-kv/test/conformance.test.ts";
import "../../deno-kv/test/readme.test.ts";
import { report } from "./report.ts";

await report();
