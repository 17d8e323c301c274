import { requireService } from "../../../scripts/services/require-service.ts";
import { redisUrl } from "./real-stores.ts";

export default async (): Promise<void> => {
  await requireService("redis", redisUrl());
};
