// The rows pandas' DataFrame.sample(n, random_state=seed) picks: NumPy's legacy RandomState (MT19937) permutation.

const N = 624;
const M = 397;

/** MT19937 seeded as numpy.random.RandomState(seed) seeds it (init_genrand), giving 32-bit outputs. */
class Mt19937 {
  private readonly mt = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
      mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

/** A uniform integer in [0, max] by masked rejection, as NumPy's legacy random_interval does for max < 2^32. */
function randomInterval(rng: Mt19937, max: number): number {
  if (max === 0) return 0;
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  mask >>>= 0;
  let value: number;
  do value = (rng.nextUint32() & mask) >>> 0;
  while (value > max);
  return value;
}

/**
 * numpy.random.RandomState(seed).permutation(n)[:k], which is what pandas' sample(k, random_state=seed) takes for a
 * frame of n rows (choice without replacement): the rows in the order pandas returns them.
 */
export function pandasSampleIndices(n: number, k: number, seed: number): Int32Array {
  if (n >= 2 ** 32) throw new RangeError('pandasSampleIndices: more rows than 32-bit intervals cover');
  const rng = new Mt19937(seed);
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomInterval(rng, i);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p.slice(0, k);
}
