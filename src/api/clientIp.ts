// The client's IP address: the socket's peer, or an X-Forwarded-For entry when trusted reverse proxies stand in between.

/**
 * With `trustedHops` proxies in front, the client is the entry that many places from the right of the list
 * X-Forwarded-For + peer (each proxy appends the address it received from); entries further left are the
 * client's own claims and never trusted.
 */
export function clientIp(peer: string | undefined, forwardedFor: string | string[] | undefined, trustedHops: number): string {
  const chain = [...[forwardedFor ?? []].flat().flatMap((h) => h.split(',')), peer ?? 'unknown'].map((a) => a.trim()).filter(Boolean);
  const address = chain[Math.max(0, chain.length - 1 - trustedHops)];
  return address.replace(/^::ffff:/, '');
}
