import {
  elasticsearchUrl,
  mongoUrl,
  postgresUrl,
  redisUrl,
  s3Url,
} from "../../../scripts/services/require-service.ts";

/** The shared test servers these tests use (scripts/services/), by service name: their URLs. */
export const services: {
  readonly redis: string;
  readonly mongodb: string;
  readonly elasticsearch: string;
  readonly postgres: string;
  readonly s3: string;
} = {
  redis: redisUrl(),
  mongodb: mongoUrl(),
  elasticsearch: elasticsearchUrl(),
  postgres: postgresUrl(),
  s3: s3Url(),
};
