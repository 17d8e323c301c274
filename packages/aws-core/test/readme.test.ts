import { S3Client } from "@aws-sdk/client-s3";
import { hasSdkErrorName, httpStatusOf, isServerFault, sdkClientDefaults } from "@kv/aws-core";
import { expect, it } from "vitest";

it("gives a store-made client its attempts and timeouts, and reads the SDK's errors", async () => {
  const client = new S3Client({
    ...sdkClientDefaults({ connectTimeoutMs: 500 }, 30_000),
    region: "us-east-1",
  });
  expect(await client.config.maxAttempts()).toBe(3);
  client.destroy();

  const throttled = { name: "SlowDown", $fault: "server", $metadata: { httpStatusCode: 503 } };
  expect(hasSdkErrorName(throttled, "SlowDown", "Throttling")).toBe(true);
  expect(httpStatusOf(throttled)).toBe(503);
  expect(isServerFault(throttled)).toBe(true);
});
