const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

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
    const a = this.uint32();
    const b = this.uint32();
    const c = this.uint32();
    const d = this.uint32();
    return (
      HEX[a >>> 24]! +
      HEX[(a >>> 16) & 0xff]! +
      HEX[(a >>> 8) & 0xff]! +
      HEX[a & 0xff]! +
      '-' +
      HEX[b >>> 24]! +
      HEX[(b >>> 16) & 0xff]! +
      '-' +
      HEX[((b >>> 8) & 0x0f) | 0x40]! +
      HEX[b & 0xff]! +
      '-' +
      HEX[((c >>> 24) & 0x3f) | 0x80]! +
      HEX[(c >>> 16) & 0xff]! +
      '-' +
      HEX[(c >>> 8) & 0xff]! +
      HEX[c & 0xff]! +
      HEX[d >>> 24]! +
      HEX[(d >>> 16) & 0xff]! +
      HEX[(d >>> 8) & 0xff]! +
      HEX[d & 0xff]!
    );
  }

  /** An independent stream derived from this seed and a label, so one story's draws never shift another's. */
  static derive(seed: number, label: number): RandomSource {
    return new RandomSource(splitmix32(seed ^ Math.imul(label, 0x9e3779b1)));
  }
}
