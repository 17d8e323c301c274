/** A driver client that the bench closes when it is done with it. */
interface Closing {
  close(): Promise<unknown>;
}

/** Runs `use` with a client opened for it alone, and closes the client afterwards either way. */
export async function withClient<C extends Closing, T>(
  client: C,
  use: (client: C) => Promise<T>,
): Promise<T> {
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** Facts about the server for the report, read with a client of their own; none when it fails. */
export function serverFacts<C extends Closing>(
  client: C,
  read: (client: C) => Promise<Record<string, string>>,
): Promise<Record<string, string>> {
  return withClient(client, async (opened) => {
    try {
      return await read(opened);
    } catch {
      return {};
    }
  });
}
