import { createServer } from 'node:net';

/**
 * A TCP port of 127.0.0.1 that was free a moment ago, for a child process that must be told its port
 * (another process may take it meanwhile; on this test machine that is rare enough).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
