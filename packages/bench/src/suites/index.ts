import type { Suite } from "../types.ts";
import { leveldbSuite } from "./leveldb.ts";
import { memorySuite } from "./memory.ts";
import { redisSuite } from "./redis.ts";

/** Every suite, in report order. */
export const SUITES: readonly Suite[] = [memorySuite(), redisSuite(), leveldbSuite()];
