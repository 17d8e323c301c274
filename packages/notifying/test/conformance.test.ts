import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { type ChangeEvent, NotifyingWrapper } from "@kv/notifying";

await describeConformance("NotifyingWrapper around MemoryStore", {
  createStore: () => {
    const changes: ChangeEvent[] = [];
    return new NotifyingWrapper(new MemoryStore(), {
      onPut: () => {},
      onDelete: async () => {},
      onChange: (event) => changes.push(event),
      includeValues: true,
    });
  },
});

await describeConformance("NotifyingWrapper around MemoryStore, handlers awaited and failing", {
  createStore: () =>
    new NotifyingWrapper(new MemoryStore(), {
      onChange: async () => {
        throw new Error("handler failure");
      },
      onPut: () => {
        throw new Error("handler failure");
      },
      awaitHandlers: true,
      onHandlerError: () => {},
    }),
});
