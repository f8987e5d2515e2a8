import type { Server } from 'node:net';

/** Listens on a free port of 127.0.0.1; resolves with `127.0.0.1:<port>`, what a client connects to. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}
