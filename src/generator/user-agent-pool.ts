import UserAgent from 'user-agents';
import type { RandomSource } from './random-source.js';

/** Where a session runs, as in user_activity's metadata.platform. */
export type Platform = 'web' | 'mobile' | 'tablet';

/** user-agents' device categories, per shopstream platform. */
const DEVICE_CATEGORY: Readonly<Record<Platform, string>> = {
  web: 'desktop',
  mobile: 'mobile',
  tablet: 'tablet',
};

interface WithTop {
  top(count: number): { readonly userAgent: string; readonly weight: number }[];
}

interface WeightedPool {
  readonly agents: readonly string[];
  /** Cumulative weights, ending at 1. */
  readonly cumulative: Float64Array;
}

/**
 * Real browser User-Agent strings per platform, with their real-world frequencies, from the
 * `user-agents` package (data from actual site traffic).
 *
 * `user-agents` draws with Math.random and cannot be seeded, so this takes the most frequent agents
 * of each device category once (`top(n)`, a deterministic list for an installed version) and draws
 * from that pool with our seeded {@link RandomSource}, weighted like the package would.
 */
export class UserAgentPool {
  private readonly pools: Readonly<Record<Platform, WeightedPool>>;

  constructor(size = 250) {
    const pools = {} as Record<Platform, WeightedPool>;
    for (const platform of Object.keys(DEVICE_CATEGORY) as Platform[]) {
      // `top()` exists since user-agents 1.1.5xx but is missing from @types/user-agents.
      const top = (new UserAgent({ deviceCategory: DEVICE_CATEGORY[platform] }) as unknown as WithTop).top(
        size,
      );
      const total = top.reduce((sum, agent) => sum + agent.weight, 0);
      const cumulative = new Float64Array(top.length);
      let sum = 0;
      top.forEach((agent, i) => (cumulative[i] = sum += agent.weight / total));
      cumulative[top.length - 1] = 1;
      pools[platform] = { agents: top.map((agent) => agent.userAgent), cumulative };
    }
    this.pools = pools;
  }

  /** A User-Agent string for a session on `platform`. */
  pick(platform: Platform, rng: RandomSource): string {
    const { agents, cumulative } = this.pools[platform];
    const u = rng.next();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return agents[lo]!;
  }

  /** How many distinct agents each platform draws from (for tests and docs). */
  sizeOf(platform: Platform): number {
    return this.pools[platform].agents.length;
  }
}

let shared: UserAgentPool | undefined;

/** One pool per process: building it parses the package's 4 MB of data once (about 0.3 s). */
export function sharedUserAgentPool(): UserAgentPool {
  return (shared ??= new UserAgentPool());
}
