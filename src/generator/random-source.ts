const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
const UUID_SCRATCH = Buffer.alloc(36);

/** splitmix32: spreads a (possibly small or sequential) seed over all 32 bits. */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/**
 * A small, fast, seeded pseudo-random source (sfc32), the same on every platform: the generator's
 * hot loop draws from it instead of faker, whose per-call cost would cap throughput far below
 * 100,000 events/s. Not for cryptography.
 *
 * @example
 * const rng = new RandomSource(42);
 * rng.int(1, 6); // a die roll, the same for seed 42 every time
 */
export class RandomSource {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;
  private readonly words = new Uint32Array(4);

  constructor(seed: number) {
    this.a = splitmix32(seed);
    this.b = splitmix32(this.a ^ 0x6a09e667);
    this.c = splitmix32(this.b ^ 0xbb67ae85);
    // Discard the first outputs: sfc32 mixes its state in the first few rounds.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A uniform integer in [0, 2^32). */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** A uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A uniform number in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /**
   * An index in [0, n) biased toward 0 (`skew` > 1 favours the first ones more): a few customers and
   * products are far more active than most, as in real shops.
   */
  skewedIndex(n: number, skew: number): number {
    return Math.min(n - 1, Math.floor(n * Math.pow(this.next(), skew)));
  }

  /** An exponentially distributed wait with the given mean: the gap between independent arrivals. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** A random (version 4, RFC 4122 variant) UUID in canonical lowercase form. */
  uuid(): string {
    const words = this.words;
    words[0] = this.uint32();
    words[1] = (this.uint32() & 0xffff0fff) | 0x4000; // version 4
    words[2] = ((this.uint32() & 0x3fffffff) | 0x80000000) >>> 0; // variant 10xx
    words[3] = this.uint32();
    const out = UUID_SCRATCH;
    let o = 0;
    for (let k = 0; k < 4; k++) {
      const word = words[k]!;
      for (let shift = 28; shift >= 0; shift -= 4) {
        if (o === 8 || o === 13 || o === 18 || o === 23) out[o++] = 0x2d; // -
        out[o++] = HEX_DIGITS[(word >>> shift) & 15]!;
      }
    }
    // One flat string: orders keep their id for hours of simulated time, and a string built by 20
    // concatenations would keep its whole rope (about 600 bytes) alive.
    return out.toString('latin1', 0, 36);
  }

  /** An independent stream derived from this seed and a label, so one story's draws never shift another's. */
  static derive(seed: number, label: number): RandomSource {
    return new RandomSource(splitmix32(seed ^ Math.imul(label, 0x9e3779b1)));
  }
}
