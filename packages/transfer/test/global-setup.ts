import { requireService } from "../../../scripts/services/require-service.ts";
import { redisUrl } from "./servers.ts";

export default async (): Promise<void> => {
  await requireService("redis", redisUrl());
};
