import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { DeleteBucketCommand } from "@aws-sdk/client-s3";
import { S3BlobStore } from "@kv/s3";
import { blobStoreFromEnvironment } from "./blob-store-from-environment.ts";
import { uploadService } from "./upload-service.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const directory = await mkdtemp(join(tmpdir(), "kv-upload-service-"));
const bucket = `kv-upload-service-${randomUUID().slice(0, 8)}`;

// What `UPLOADS=... node app.js` would set in each environment. The S3 server is the test one
// (scripts/services/s3.sh: anonymous access, so placeholder credentials do).
const environments: Record<string, NodeJS.ProcessEnv> = {
  development: { UPLOADS: "filesystem", UPLOADS_DIRECTORY: directory },
  production: {
    UPLOADS: "s3",
    UPLOADS_BUCKET: bucket,
    KV_S3_URL: process.env.KV_S3_URL ?? "http://127.0.0.1:18333",
  },
};
process.env.AWS_ACCESS_KEY_ID ??= "upload-service";
process.env.AWS_SECRET_ACCESS_KEY ??= "upload-service";

/** Six MiB in 64 KiB chunks, more than one part of a multipart upload. */
function largeUpload(): { body: Readable; sha256: string } {
  const chunk = Buffer.alloc(64 * 1024, "upload;");
  const hash = createHash("sha256");
  for (let index = 0; index < 96; index++) hash.update(chunk);
  return {
    body: Readable.from(Array.from({ length: 96 }, () => chunk)),
    sha256: hash.digest("hex"),
  };
}

for (const [name, env] of Object.entries(environments)) {
  const store = blobStoreFromEnvironment(env);
  const server = uploadService(store).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const put = await fetch(`${base}/files/notes/hello.txt`, { method: "PUT", body: "hello" });
    assert.equal(put.status, 201);
    const large = largeUpload();
    const upload = await fetch(`${base}/files/videos/clip.bin`, {
      method: "PUT",
      body: Readable.toWeb(large.body) as ReadableStream<Uint8Array>,
      duplex: "half",
    } as RequestInit);
    assert.equal(upload.status, 201);

    assert.equal(await (await fetch(`${base}/files/notes/hello.txt`)).text(), "hello");
    const downloaded = Buffer.from(
      await (await fetch(`${base}/files/videos/clip.bin`)).arrayBuffer(),
    );
    assert.equal(createHash("sha256").update(downloaded).digest("hex"), large.sha256);
    assert.deepEqual(await (await fetch(`${base}/files`)).json(), [
      "notes/hello.txt",
      "videos/clip.bin",
    ]);
    assert.deepEqual(await (await fetch(`${base}/files?prefix=notes/`)).json(), [
      "notes/hello.txt",
    ]);
    assert.equal((await fetch(`${base}/files/missing.txt`)).status, 404);
    assert.equal(
      (await fetch(`${base}/files/bad%3Akey`, { method: "PUT", body: "x" })).status,
      400,
    );

    const { url } = (await (await fetch(`${base}/links/notes/hello.txt`)).json()) as {
      url: string;
    };
    const linked = url.startsWith("file:")
      ? await readFile(fileURLToPath(url), "utf8")
      : await (await fetch(url)).text(); // a presigned GET: no credentials needed
    assert.equal(linked, "hello");

    assert.equal((await fetch(`${base}/files/notes/hello.txt`, { method: "DELETE" })).status, 204);
    assert.equal((await fetch(`${base}/files/videos/clip.bin`, { method: "DELETE" })).status, 204);
    assert.deepEqual(await (await fetch(`${base}/files`)).json(), []);
    console.log(`${name.padEnd(11)} UPLOADS=${env.UPLOADS?.padEnd(10)} link: ${url.split("?")[0]}`);
  } finally {
    server.close();
    if (store instanceof S3BlobStore)
      await store.client.send(new DeleteBucketCommand({ Bucket: bucket }));
    await store.close();
  }
}
await rm(directory, { recursive: true, force: true });
console.log("upload-service: ok");
