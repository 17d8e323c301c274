import { requireVenv } from "@kv/interop-python";
import { requireService } from "../../../scripts/services/require-service.ts";
import { elasticsearchUrl, mongoUrl, redisUrl } from "./backends.ts";

export default async (): Promise<void> => {
  requireVenv();
  await requireService("redis", redisUrl);
  await requireService("mongodb", mongoUrl);
  await requireService("elasticsearch", elasticsearchUrl);
};
