import type { RandomSource } from './random-source.js';

/**
 * First octets of public, routable IPv4 space. Private (10, 172.16/12, 192.168), loopback, CGNAT
 * (100.64/10), multicast and reserved blocks are left out, as a shop's edge would never log them.
 */
const PUBLIC_FIRST_OCTETS: readonly number[] = [
  2, 5, 8, 12, 23, 24, 31, 37, 45, 46, 50, 62, 66, 68, 71, 73, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88,
  89, 90, 91, 92, 93, 94, 95, 98, 104, 107, 108, 109, 151, 176, 178, 185, 188, 193, 194, 195, 203, 212, 213,
  217,
];

/** Global-unicast IPv6 prefixes of large access providers (RIPE, ARIN, APNIC allocations). */
const IPV6_PREFIXES: readonly string[] = ['2a02', '2a01', '2600', '2601', '2603', '2001', '2406', '2a00'];

function hex16(rng: RandomSource): string {
  return (rng.uint32() & 0xffff).toString(16);
}

/** A plausible client address: public IPv4 mostly, IPv6 with probability `ipv6Share`. */
export function randomIpAddress(rng: RandomSource, ipv6Share = 0.15): string {
  if (rng.chance(ipv6Share))
    return `${rng.pick(IPV6_PREFIXES)}:${hex16(rng)}:${hex16(rng)}:${hex16(rng)}:${hex16(rng)}:${hex16(rng)}:${hex16(rng)}:${hex16(rng)}`;
  const n = rng.uint32();
  return `${rng.pick(PUBLIC_FIRST_OCTETS)}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${1 + ((n & 0xff) % 254)}`;
}
