import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";

/** A TCP proxy on 127.0.0.1 in front of a server, whose connections can be cut and restored. */
export async function startOutageProxy(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      const listening = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        const drop = () => {
          client.destroy();
          upstream.destroy();
        };
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("error", drop).on("close", drop);
        }
        client.pipe(upstream).pipe(client);
      });
      server = listening;
      listening.listen(port, "127.0.0.1", () => resolve((listening.address() as AddressInfo).port));
    });

  const port = await listen(0);
  return {
    port,
    /** Closes every connection and stops listening: the server is unreachable. */
    cut: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        if (server === undefined || !server.listening) resolve();
        else server.close(() => resolve());
      }),
    /** Listens on the same port again. */
    restore: async () => {
      await listen(port);
    },
  };
}
