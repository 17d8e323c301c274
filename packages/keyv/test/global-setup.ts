import { redisUrl, requireService } from "../../../scripts/services/require-service.ts";
import { requireVenv } from "../../interop-python/src/py-key-value.ts";

export default async (): Promise<void> => {
  await requireService("redis", redisUrl());
  // py-key-value reads what Keyv writes (test/caching.test.ts): its environment must exist.
  requireVenv();
};
