import {
  elasticsearchUrl,
  mongoUrl,
  postgresUrl,
  redisUrl,
  requireService,
  s3Url,
} from "../../../scripts/services/require-service.ts";
import { requireVenv } from "../src/py-key-value.ts";

export default async (): Promise<void> => {
  requireVenv();
  await requireService("redis", redisUrl());
  await requireService("mongodb", mongoUrl());
  await requireService("elasticsearch", elasticsearchUrl());
  await requireService("postgres", postgresUrl());
  await requireService("s3", s3Url());
};
