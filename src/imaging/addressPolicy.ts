// Which network addresses a URL fetch may connect to: public unicast only, unless configuration allows more.
import { BlockList, isIP } from 'node:net';

/** What URL fetches may reach besides public addresses (config.inputSafety: allowPrivateUrls, urlAllowHosts). */
export interface UrlPolicy {
  /** Any address at all, private and loopback included. */
  allowPrivate: boolean;
  /** Hosts (`name` or `name:port`, lowercase; IPv6 in brackets) connected to whatever address they resolve to. */
  allowHosts: readonly string[];
}

/** This thread's policy (CORREMBED_ALLOW_PRIVATE_URLS, CORREMBED_URL_ALLOW_HOSTS): public addresses only until set. */
let configured: UrlPolicy = { allowPrivate: false, allowHosts: [] };

/** Sets which addresses image URLs may reach when a read names no policy (the process's start; each embed worker). */
export function useUrlPolicy(policy: UrlPolicy): void {
  configured = policy;
}

/** This thread's policy. */
export function configuredUrlPolicy(): UrlPolicy {
  return configured;
}

/** Address ranges that are not public unicast; IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) match the IPv4 rules. */
const NON_PUBLIC: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network", unspecified
  ['10.0.0.0', 8, 'ipv4'], // private
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'], // loopback
  ['169.254.0.0', 16, 'ipv4'], // link-local (cloud metadata services)
  ['172.16.0.0', 12, 'ipv4'], // private
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['192.0.2.0', 24, 'ipv4'], // documentation
  ['192.168.0.0', 16, 'ipv4'], // private
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['198.51.100.0', 24, 'ipv4'], // documentation
  ['203.0.113.0', 24, 'ipv4'], // documentation
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'], // unspecified
  ['::1', 128, 'ipv6'], // loopback
  ['::', 96, 'ipv6'], // IPv4-compatible (deprecated)
  ['64:ff9b::', 96, 'ipv6'], // NAT64: would reach IPv4 addresses through a translator
  ['100::', 64, 'ipv6'], // discard
  ['2001:db8::', 32, 'ipv6'], // documentation
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['fec0::', 10, 'ipv6'], // site-local (deprecated)
  ['ff00::', 8, 'ipv6'], // multicast
];

const blocked = new BlockList();
for (const [network, prefix, type] of NON_PUBLIC) blocked.addSubnet(network, prefix, type);

/** Whether an IP address (v4 or v6, without brackets) lies outside public unicast space; anything unparsable counts as non-public. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Whether the policy lets a URL's host connect to any address (allowPrivate, or the host or host:port is allowed). */
export function hostAllowed(url: URL, policy: UrlPolicy): boolean {
  return (
    policy.allowPrivate || policy.allowHosts.includes(url.hostname.toLowerCase()) || policy.allowHosts.includes(url.host.toLowerCase())
  );
}
