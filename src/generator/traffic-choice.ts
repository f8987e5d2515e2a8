import type { Config } from '../config/settings.js';
import { resolveTrafficProfile } from './load-traffic-profile.js';
import type { TrafficProfile } from './traffic-profile.js';

/** The traffic a command makes: its profile, the name it was chosen by, and the time scale. */
export interface TrafficChoice {
  /** `demo`, `shop`, or the profile file's path. */
  readonly profileName: string;
  readonly profile: TrafficProfile;
  /** 1 unless live traffic was asked to run faster. */
  readonly timeScale: number;
}

/** Flags that override the generator.* settings; undefined leaves the setting. */
export interface TrafficFlags {
  readonly profile?: string | undefined;
  readonly timeScale?: number | undefined;
}

/**
 * Picks the profile and the time scale for a command: its flags (`--profile`, `--time-scale`) over
 * the `generator.profile` and `generator.timeScale` settings. The time scale applies to live traffic
 * only (`live`: event times from the wall clock); a simulated-clock run always has 1. Throws a
 * SHOP_E_CONFIG_* error naming the file and field when a profile file is bad.
 */
export function chooseTraffic(
  config: Pick<Config, 'generator.profile' | 'generator.timeScale'>,
  flags: TrafficFlags,
  live: boolean,
): TrafficChoice {
  const spec = flags.profile ?? config['generator.profile'];
  const { name, profile } = resolveTrafficProfile(
    spec,
    flags.profile === undefined ? 'generator.profile' : '--profile',
  );
  const timeScale = live ? (flags.timeScale ?? config['generator.timeScale']) : 1;
  return { profileName: name, profile, timeScale };
}
