import { networkInterfaces } from 'node:os';
import { randomBytes } from 'node:crypto';
import { type Guid, parseGuid } from '../protocol/index.js';

/**
 * The daemon GUID: the configured one, else `FF:FF:FF:FF:FF:FF:FF:FE` + the first MAC address +
 * `00:00` (v13), else `…:FD` + the first IPv4 address, else a random `FE` GUID (for machines
 * without a network interface). Bytes 12–13 of interface GUIDs carry the client id.
 */
export function daemonGuid(configured: string | null): { guid: Guid; source: 'configured' | 'mac' | 'ipv4' | 'random' } {
  if (configured) return { guid: parseGuid(configured, { strict: true }), source: 'configured' };
  const ifaces = Object.entries(networkInterfaces()).sort(([a], [b]) => a.localeCompare(b));
  for (const [, addrs] of ifaces) {
    for (const a of addrs ?? []) {
      if (a.internal || !a.mac || a.mac === '00:00:00:00:00:00') continue;
      const guid = parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:' + a.mac + ':00:00');
      return { guid, source: 'mac' };
    }
  }
  for (const [, addrs] of ifaces) {
    for (const a of addrs ?? []) {
      if (a.internal || a.family !== 'IPv4') continue;
      const guid = parseGuid('FF:FF:FF:FF:FF:FF:FF:FD:' + a.address.split('.').map((n) => Number(n).toString(16)).join(':') + ':00:00:00:00');
      return { guid, source: 'ipv4' };
    }
  }
  const g = new Uint8Array(16);
  g[0] = 0xfe;
  g.set(randomBytes(11), 1);
  return { guid: g, source: 'random' };
}
