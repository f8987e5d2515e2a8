import { readFileSync } from 'node:fs';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { TRAFFIC_PROFILE_FIELDS, compileTrafficProfile, trafficProfileProblem } from './traffic-profile.js';
import type { TrafficProfile } from './traffic-profile.js';
import {
  DEFAULT_TRAFFIC_PROFILE_NAME,
  TRAFFIC_PROFILES,
  TRAFFIC_PROFILE_CHOICES,
  TRAFFIC_PROFILE_NAMES,
  isTrafficProfileFile,
  isTrafficProfileName,
} from './traffic-profiles.js';

/** A profile ready to run, and the name it was chosen by (`demo`, `shop`, or the file's path). */
export interface ResolvedTrafficProfile {
  readonly name: string;
  readonly profile: TrafficProfile;
}

/** The key of a profile file that names the profile it starts from. */
const EXTENDS = 'extends';

/**
 * Resolves `--profile` / `generator.profile`: a named profile (`demo`, `shop`) or a JSON profile file,
 * an object of profile fields that starts from `"extends"` (default `demo`):
 *
 * ```json
 * { "extends": "shop", "sessionsPerSecond": 2, "shippedAfterSeconds": [600, 3600] }
 * ```
 *
 * Checked like the configuration: a file that cannot be read or is not a JSON object throws
 * SHOP_E_CONFIG_FILE, an unknown field SHOP_E_CONFIG_UNKNOWN_KEY, a bad value SHOP_E_CONFIG_INVALID,
 * each naming the file and the field. `source` says where the spec came from (`--profile`).
 */
export function resolveTrafficProfile(spec: string, source: string): ResolvedTrafficProfile {
  if (isTrafficProfileName(spec)) return { name: spec, profile: TRAFFIC_PROFILES[spec] };
  if (!isTrafficProfileFile(spec))
    throw new ShopstreamError(
      'SHOP_E_CONFIG_INVALID',
      `${source} ${JSON.stringify(spec)}: expected ${TRAFFIC_PROFILE_CHOICES}`,
      { context: { key: source, value: spec } },
    );
  return { name: spec, profile: readProfileFile(spec) };
}

function readProfileFile(path: string): TrafficProfile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ShopstreamError('SHOP_E_CONFIG_FILE', `profile file ${path}: ${(cause as Error).message}`, {
      cause,
      context: { path },
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ShopstreamError(
      'SHOP_E_CONFIG_FILE',
      `profile file ${path}: expected a JSON object of profile fields, such as {"extends": "shop", "sessionsPerSecond": 2}`,
      { context: { path } },
    );
  const { [EXTENDS]: base = DEFAULT_TRAFFIC_PROFILE_NAME, ...fields } = parsed as Record<string, unknown>;
  if (typeof base !== 'string' || !isTrafficProfileName(base))
    throw invalid(path, EXTENDS, `must be one of ${TRAFFIC_PROFILE_NAMES.join(', ')}`, base);
  const found = trafficProfileProblem(fields);
  if (found && !Object.hasOwn(TRAFFIC_PROFILE_FIELDS, found.key))
    throw new ShopstreamError(
      'SHOP_E_CONFIG_UNKNOWN_KEY',
      `profile file ${path}: unknown field "${found.key}"; a profile has "${EXTENDS}" and ${Object.keys(TRAFFIC_PROFILE_FIELDS).join(', ')} (docs/traffic-profiles.md)`,
      { context: { path, key: found.key } },
    );
  if (found) throw invalid(path, found.key, found.problem, fields[found.key]);
  return compileTrafficProfile(fields as Partial<TrafficProfile>, TRAFFIC_PROFILES[base]);
}

function invalid(path: string, key: string, problem: string, value: unknown): ShopstreamError {
  return new ShopstreamError(
    'SHOP_E_CONFIG_INVALID',
    `profile file ${path}: "${key}" ${problem}; got ${JSON.stringify(value)}`,
    { context: { path, key, value } },
  );
}
