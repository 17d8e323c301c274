import { describeConformance } from "@kv/conformance";
import { S3Store } from "../src/index.ts";
import { connection, useBucket } from "./helpers.ts";

const bucket = useBucket("entries");

await describeConformance("S3Store", {
  createStore: () => new S3Store({ bucket, ...connection }),
  createPeer: () => new S3Store({ bucket, ...connection }),
});
