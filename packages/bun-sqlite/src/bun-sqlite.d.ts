// The part of Bun's built-in `bun:sqlite` module this package uses (Bun ships the full types in
// `bun-types`; these keep the package type-checking under Node's TypeScript setup).
declare module "bun:sqlite" {
  /** What a write statement reports. */
  export interface Changes {
    changes: number;
    lastInsertRowid: number | bigint;
  }

  /** A prepared statement. */
  export class Statement<Row = unknown, Parameters extends unknown[] = unknown[]> {
    get(...parameters: Parameters): Row | null;
    all(...parameters: Parameters): Row[];
    run(...parameters: Parameters): Changes;
    values(...parameters: Parameters): unknown[][];
  }

  /** A connection to one database file (or `:memory:`). */
  export class Database {
    constructor(
      filename?: string,
      options?: { create?: boolean; readwrite?: boolean; strict?: boolean },
    );
    prepare<Row = unknown, Parameters extends unknown[] = unknown[]>(
      sql: string,
    ): Statement<Row, Parameters>;
    exec(sql: string): Changes;
    transaction<Arguments extends unknown[], Result>(
      body: (...args: Arguments) => Result,
    ): ((...args: Arguments) => Result) & { immediate: (...args: Arguments) => Result };
    close(throwOnError?: boolean): void;
  }
}
