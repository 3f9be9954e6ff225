/**
 * Seeded randomness for one kernel (Linux: get_random_u32(), prandom_u32_state()).
 * xoshiro128** seeded through splitmix32: fast, 2^128-1 period, and the same seed
 * gives the same sequence on every platform, so captures are reproducible.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  constructor(seed = 1) {
    this.reseed(seed);
  }
  reseed(seed: number): void {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }
  /** Linux: get_random_u32(). */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0; this.s1 >>>= 0; this.s2 >>>= 0; this.s3 >>>= 0;
    return result;
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Linux: get_random_u32_below(ceil). */
  below(ceil: number): number {
    return Math.floor(this.float() * ceil);
  }
  /** Fill bytes (Linux: get_random_bytes()). */
  bytes(buf: Uint8Array, off = 0, len = buf.length - off): void {
    for (let i = 0; i < len; i += 4) {
      let r = this.u32();
      for (let j = 0; j < 4 && i + j < len; j++) {
        buf[off + i + j] = r & 0xff;
        r >>>= 8;
      }
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
