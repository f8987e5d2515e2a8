import { Writable } from 'node:stream';

/** A stream that keeps what is written; `isTTY` says whether it poses as a terminal. */
export function capturedStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY, columns: 200 });
  return { stream, text: () => text };
}
