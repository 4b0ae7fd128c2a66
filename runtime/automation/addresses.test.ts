import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { serverIpv4Addresses } from './addresses.js';

const nic = (address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo => ({
  address, family, internal, netmask: family === 'IPv4' ? '255.255.255.0' : 'ffff:ffff:ffff:ffff::', mac: '00:00:00:00:00:00',
  cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}),
} as NetworkInterfaceInfo);

const host = { lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)], eth0: [nic('192.168.1.5', 'IPv4'), nic('fe80::1', 'IPv6')], wlan0: [nic('10.0.0.2', 'IPv4')] };

describe('serverIpv4Addresses', () => {
  it('gives a specific IPv4 listen address as it is', () => {
    expect(serverIpv4Addresses([{ host: '192.168.1.5' }, { host: '127.0.0.1' }], host)).toEqual(['192.168.1.5', '127.0.0.1']);
  });

  it('gives every external IPv4 address of the host for a wildcard listener', () => {
    expect(serverIpv4Addresses([{ host: '0.0.0.0' }], host)).toEqual(['192.168.1.5', '10.0.0.2']);
    expect(serverIpv4Addresses([{ host: '::' }, { host: '192.168.1.5' }], host)).toEqual(['192.168.1.5', '10.0.0.2']);
  });

  it('falls back to loopback on a host without external IPv4', () => {
    expect(serverIpv4Addresses([{ host: '0.0.0.0' }], { lo: host.lo })).toEqual(['127.0.0.1']);
  });

  it('gives nothing for IPv6 listeners and no listeners', () => {
    expect(serverIpv4Addresses([{ host: '::1' }, { host: 'fe80::1' }], host)).toEqual([]);
    expect(serverIpv4Addresses([], host)).toEqual([]);
  });

  it('reads IPv4-mapped IPv6 addresses as IPv4', () => {
    expect(serverIpv4Addresses([{ host: '::ffff:192.168.1.5' }], host)).toEqual(['192.168.1.5']);
  });
});
