/*
 * The IPv4 addresses a high-end server probe is answered with (one response each) and the caps
 * event names: the addresses the TCP/IP interface can be reached on. A listener on a specific
 * IPv4 address gives that address; a wildcard listener (`0.0.0.0`, `::`) gives every IPv4
 * address of the host that is not loopback, or 127.0.0.1 when the host has none. IPv6-only
 * listeners give nothing (the response has room for IPv4 only).
 */
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';
import { isIPv4 } from 'node:net';

export function serverIpv4Addresses(
  listen: readonly { host: string }[],
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string[] {
  const out = new Set<string>();
  for (const { host } of listen) {
    const h = host.replace(/^::ffff:/i, '');
    if (h === '0.0.0.0' || h === '::' || h === '') {
      const external: string[] = [];
      for (const list of Object.values(interfaces)) {
        for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) external.push(a.address);
      }
      for (const a of external.length ? external : ['127.0.0.1']) out.add(a);
    } else if (isIPv4(h)) {
      out.add(h);
    }
  }
  return [...out];
}
