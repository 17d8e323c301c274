import type { Suite } from "../types.ts";
import { diskSuite } from "./disk.ts";
import { dynamodbSuite } from "./dynamodb.ts";
import { elasticsearchSuite } from "./elasticsearch.ts";
import { leveldbSuite } from "./leveldb.ts";
import { memorySuite } from "./memory.ts";
import { mongodbSuite } from "./mongodb.ts";
import { redisSuite } from "./redis.ts";
import { sqliteSuite } from "./sqlite.ts";

/** Every suite, in report order; `create` is called only for the suites a run selects. */
export const SUITES: readonly { id: string; create: () => Suite }[] = [
  { id: "memory", create: memorySuite },
  { id: "redis", create: redisSuite },
  { id: "leveldb", create: leveldbSuite },
  { id: "sqlite", create: sqliteSuite },
  { id: "disk", create: diskSuite },
  { id: "dynamodb", create: dynamodbSuite },
  { id: "mongodb", create: mongodbSuite },
  { id: "elasticsearch", create: elasticsearchSuite },
];
