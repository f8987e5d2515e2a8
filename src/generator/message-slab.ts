const SLAB_BYTES = 1 << 20;

/**
 * Encodes message texts as UTF-8 into views of a shared 1 MiB slab. `Buffer.from(text)` allocates a
 * new 8 KiB pool every ~20 events of 400 bytes; at hundreds of thousands of events a second those
 * allocations and their garbage collection cost more than the encoding itself. A slab is released
 * when no message on it is referenced any more.
 */
export class MessageSlab {
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private offset = 0;

  encode(text: string): Buffer {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const worst = text.length * 3;
    if (worst > SLAB_BYTES) return Buffer.from(text);
    if (this.offset + worst > SLAB_BYTES) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.offset = 0;
    }
    const start = this.offset;
    this.offset += this.slab.write(text, start);
    return this.slab.subarray(start, this.offset);
  }
}
