import { redisUrl, requireService } from "../../../scripts/services/require-service.ts";

export default async (): Promise<void> => {
  await requireService("redis", redisUrl());
};
