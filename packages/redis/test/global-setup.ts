import { requireService } from "../../../scripts/services/require-service.ts";
import { clusterNodes, redisUrl } from "./servers.ts";

export default async (): Promise<void> => {
  await requireService("redis", redisUrl());
  for (const node of clusterNodes()) await requireService("redis-cluster", `redis://${node}`);
};
