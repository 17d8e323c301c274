import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSystemBlobStore } from "@kv/blob-fs";
import { uploadService } from "./upload-service.ts";

// Files on disk in development; the same service takes any other BlobStore in production.
const directory = await mkdtemp(join(tmpdir(), "uploads-"));
const store = new FileSystemBlobStore({ directory });
const server = uploadService(store).listen(0, "127.0.0.1");
await once(server, "listening");
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files`;

const photo = Buffer.alloc(3 * 1024 * 1024, "pixels");
const uploaded = await fetch(`${base}/holiday photo.jpg`, { method: "PUT", body: photo });
assert.equal(uploaded.status, 201);
const id = await uploaded.text();
assert.match(id, /^uploads\/[0-9a-f-]{36}-holiday_photo\.jpg$/);

const downloaded = Buffer.from(await (await fetch(`${base}/${id}`)).arrayBuffer());
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
assert.equal(sha256(downloaded), sha256(photo));
assert.deepEqual(await (await fetch(base)).json(), [id]);
assert.equal((await fetch(`${base}/uploads/missing.jpg`)).status, 404);

server.close();
await store.close();
await rm(directory, { recursive: true });
