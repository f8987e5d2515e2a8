const NEWLINE = new Uint8Array([0x0a]);

/**
 * Assembles an NDJSON file's bytes from pieces: ranges of message payloads (copied as bytes, never
 * decoded) and strings (written as UTF-8). toBytes() copies everything once into a buffer that owns
 * its memory, so it can be transferred to another thread without a copy, and written as it is.
 */
export class NdjsonBuilder {
  private readonly pieces: (Uint8Array | string)[] = [];
  private byteLength = 0;
  lines = 0;

  /** Adds one line: an optional prefix, then the body; the newline is added. */
  addLine(body: Uint8Array | string, prefix?: string): void {
    if (prefix !== undefined) this.add(prefix);
    this.add(body);
    this.add(NEWLINE);
    this.lines++;
  }

  toBytes(): Uint8Array {
    // Not allocUnsafe: a small one would be a slice of Node's shared pool, which cannot be transferred.
    const out = Buffer.allocUnsafeSlow(this.byteLength);
    let offset = 0;
    for (const piece of this.pieces) {
      if (typeof piece === 'string') offset += out.write(piece, offset, 'utf8');
      else {
        out.set(piece, offset);
        offset += piece.length;
      }
    }
    return out;
  }

  private add(piece: Uint8Array | string): void {
    this.pieces.push(piece);
    this.byteLength += typeof piece === 'string' ? Buffer.byteLength(piece, 'utf8') : piece.length;
  }
}
