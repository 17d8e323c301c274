import { describeConformance } from "@kv/conformance";
import { DynamoDbStore } from "@kv/dynamodb";
import { BaseWrapper, type KeyValue } from "@kv/protocol";
import { afterAll } from "vitest";
import { connection, freshTable } from "./helpers.ts";

class PassThroughWrapper extends BaseWrapper {}

const tables = [freshTable("conformance"), freshTable("conformance-wrapped")] as const;

afterAll(async () => {
  for (const tableName of tables) {
    const store = new DynamoDbStore({ tableName, ...connection });
    await store.destroy({ dropTable: true });
    await store.close();
  }
});

await describeConformance("DynamoDbStore", {
  createStore: () => new DynamoDbStore({ tableName: tables[0], ...connection }),
  createPeer: () => new DynamoDbStore({ tableName: tables[0], ...connection }),
});

await describeConformance("DynamoDbStore through a pass-through BaseWrapper", {
  createStore: (): KeyValue =>
    new PassThroughWrapper(new DynamoDbStore({ tableName: tables[1], ...connection })),
  createPeer: (): KeyValue =>
    new PassThroughWrapper(new DynamoDbStore({ tableName: tables[1], ...connection })),
});
