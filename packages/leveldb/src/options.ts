import type { BaseStoreOptions } from "@kv/protocol";
import type { ClassicLevel, OpenOptions } from "classic-level";

/** Options shared by both ways of making a `LevelDbStore`. */
interface LevelDbStoreCommonOptions extends BaseStoreOptions {
  /** Waits for each write to reach the device (LevelDB's `sync`), so it survives a power loss. @default false */
  sync?: boolean | undefined;
}

/** A store on a database it opens and closes itself. */
export interface LevelDbStoreLocationOptions extends LevelDbStoreCommonOptions {
  /** The database directory; created when missing. Opened on first use, closed by `close()`. */
  location: string;
  /** classic-level's open options (`cacheSize`, `writeBufferSize`, `compression` …). */
  openOptions?: OpenOptions | undefined;
  /** Not allowed with `location`. */
  client?: undefined;
}

/** A store on a database the caller opened; `close()` leaves it open. */
export interface LevelDbStoreClientOptions extends LevelDbStoreCommonOptions {
  /** An existing database. Its default encodings do not matter: the store names its own. */
  client: ClassicLevel<string, string>;
  /** Not allowed with `client`. */
  location?: undefined;
}

/** Options of `LevelDbStore`: a `location` to own, or a `client` to borrow. */
export type LevelDbStoreOptions = LevelDbStoreLocationOptions | LevelDbStoreClientOptions;
