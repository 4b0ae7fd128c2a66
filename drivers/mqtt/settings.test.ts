import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DriverConfigError } from '../../runtime/drivers/contract.js';
import { parseGuid } from '../../runtime/protocol/index.js';
import { HOT_KEYS, defaultClientId, deriveConfig, parseBrokerAddress, parseLegacyConfig } from './settings.js';
import type { MqttSettings } from './settings.generated.js';

const here = import.meta.dirname;
const schema = JSON.parse(readFileSync(join(here, 'schema.json'), 'utf8')) as {
  properties: Record<string, { 'x-reload'?: string; description?: string; default?: unknown }>;
  'x-positional': string[];
};
const ctx = { prefix: 'mqtt1', guid: parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:00:01:00:00') };

function configError(fn: () => unknown): DriverConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DriverConfigError);
    return e as DriverConfigError;
  }
  throw new Error('expected a DriverConfigError');
}

describe('legacy config string', () => {
  it('M1: maps sessionid;type;topic;host to keys', () => {
    expect(parseLegacyConfig('mysession1;publish;vscp;localhost:1883')).toEqual({
      sessionid: 'mysession1', type: 'publish', topic: 'vscp', host: 'localhost:1883',
    });
  });

  it('maps all nine documented positions, filter and mask included', () => {
    expect(parseLegacyConfig('s;subscribe;vscp/#;broker:1883;bob;pw;30;0,10,6,-;0,0xFFFF,0xFFFF,-')).toEqual({
      sessionid: 's', type: 'subscribe', topic: 'vscp/#', host: 'broker:1883', username: 'bob', password: 'pw',
      keepalive: '30', filter: '0,10,6,-', mask: '0,0xFFFF,0xFFFF,-',
    });
  });

  it('strips the quotes of the documentation examples and lower-cases the type', () => {
    expect(parseLegacyConfig('"mysession1";PUBLISH;vscp;localhost:1883')).toMatchObject({ sessionid: 'mysession1', type: 'publish' });
    expect(parseLegacyConfig('“mysession22”;”Subscribe”;vscp')).toMatchObject({ sessionid: 'mysession22', type: 'subscribe' });
  });

  it('recognises the layout from before session ids (subscribe;topic;host)', () => {
    expect(parseLegacyConfig('subscribe;vscp;localhost:1883')).toEqual({ type: 'subscribe', topic: 'vscp', host: 'localhost:1883' });
  });

  it('leaves empty positions out so earlier values stay', () => {
    expect(parseLegacyConfig(';publish;;broker:1883')).toEqual({ type: 'publish', host: 'broker:1883' });
  });

  it('hands an unknown type on unchanged for the schema to reject (the original took any text containing PUBLISH)', () => {
    expect(parseLegacyConfig('s;republisher;vscp').type).toBe('republisher');
  });

  it('refuses more than nine fields', () => {
    expect(configError(() => parseLegacyConfig('a;publish;c;d;e;f;1;g;h;i')).message).toMatch(/10 fields; expected at most 9/);
  });
});

describe('broker address', () => {
  it.each([
    ['localhost:1883', false, 'localhost', 1883, false],
    ['broker', false, 'broker', 1883, false],
    ['broker', true, 'broker', 8883, true],
    ['mqtts://broker.example.org', false, 'broker.example.org', 8883, true],
    ['ssl://10.0.0.1:8884', false, '10.0.0.1', 8884, true],
    ['tcp://127.0.0.1:18830', false, '127.0.0.1', 18830, false],
    ['mqtt://[::1]:1884/', false, '::1', 1884, false],
    ['[fe80::1]', false, 'fe80::1', 1883, false],
  ])('%s (tls=%s) → %s:%d tls=%s', (text, tls, host, port, useTls) => {
    expect(parseBrokerAddress(text, tls)).toMatchObject({ host, port, tls: useTls });
  });

  it.each([
    ['ws://broker:8080', /WebSocket transport is not supported/],
    ['http://broker', /scheme http:\/\/ is not supported/],
    ['user:pw@broker:1883', /credentials do not belong in the address/],
    ['broker:99999', /port "99999" must be a number 1..65535/],
    ['broker:', /port "" must be a number/],
    ['::1:1883', /IPv6 address in brackets/],
    ['broker/x', /has a path/],
    [':1883', /no valid host name/],
  ])('rejects %s', (text, message) => {
    const e = configError(() => parseBrokerAddress(text, false));
    expect(e.key).toBe('host');
    expect(e.message).toMatch(message);
  });

  it('shows IPv6 addresses in brackets', () => {
    expect(parseBrokerAddress('[::1]:1883', false).display).toBe('[::1]:1883');
  });
});

describe('derived configuration', () => {
  it('uses the documented defaults', () => {
    const c = deriveConfig({}, ctx);
    expect(c).toMatchObject({
      direction: 'subscribe', keepaliveSeconds: 60, qos: 0, retain: false, cleanSession: true, protocolVersion: 4,
      format: 'string', simplify: null, username: '', password: '', offlineQueueSize: 10000, maxInflight: 100,
      busId: 'localhost:1883',
    });
    expect(c.broker).toMatchObject({ host: 'localhost', port: 1883, tls: false });
    expect(c.subscribeTopic!.filter).toBe('vscp');
    expect(c.publishTopic).toBeNull();
    expect(c.clientIdDerived).toBe(true);
    expect(deriveConfig({ type: 'publish' }, ctx).publishTopic!.template).toBe('vscp');
  });

  it('derives a client id that is stable for a driver and differs between daemons and drivers', () => {
    const a = defaultClientId(ctx, 4);
    expect(a).toMatch(/^vscpd-mqtt1-[0-9a-f]{8}$/);
    expect(defaultClientId(ctx, 4)).toBe(a);
    expect(defaultClientId({ ...ctx, prefix: 'mqtt2' }, 4)).not.toBe(a);
    expect(defaultClientId({ ...ctx, guid: parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CB:00:01:00:00') }, 4)).not.toBe(a);
    expect(defaultClientId({ ...ctx, prefix: 'a rather long driver name' }, 3).length).toBeLessThanOrEqual(23);
  });

  it('keeps a configured session id', () => {
    expect(deriveConfig({ sessionid: 'mysession1' }, ctx)).toMatchObject({ clientId: 'mysession1', clientIdDerived: false });
  });

  it('accepts the documented `user` as the user name', () => {
    expect(deriveConfig({ user: 'bob', password: 'pw' }, ctx).username).toBe('bob');
    expect(deriveConfig({ user: 'bob', username: 'bob' }, ctx).username).toBe('bob');
    expect(configError(() => deriveConfig({ user: 'bob', username: 'alice' }, ctx)).key).toBe('user');
  });

  it('refuses a password without a user name', () => {
    expect(configError(() => deriveConfig({ password: 'pw' }, ctx)).key).toBe('password');
  });

  it('separates subscribe and publish topics', () => {
    const c = deriveConfig({ type: 'both', topic: 'vscp', subscribe_topic: 'in/#', publish_topic: 'out/{class}' }, ctx);
    expect(c.subscribeTopic!.filter).toBe('in/#');
    expect(c.publishTopic!.template).toBe('out/{class}');
  });

  it('compiles only the side in use: a publish template need not be a valid filter', () => {
    const c = deriveConfig({ type: 'publish', topic: 'vscp/node{nickname}' }, ctx);
    expect(c.subscribeTopic).toBeNull();
    expect(c.publishTopic!.template).toBe('vscp/node{nickname}');
    expect(configError(() => deriveConfig({ type: 'both', topic: 'vscp/node{nickname}' }, ctx)).message).toMatch(/whole level/);
  });

  it('turns the placeholders of a shared topic into wildcards for subscribing', () => {
    expect(deriveConfig({ type: 'both', topic: 'vscp/{guid}/{class}/{type}' }, ctx).subscribeTopic!.filter).toBe('vscp/+/+/+');
  });

  it('refuses a wildcard topic for publishing', () => {
    const e = configError(() => deriveConfig({ type: 'publish', topic: 'vscp/#' }, ctx));
    expect(e.key).toBe('topic');
    expect(e.message).toMatch(/set publish_topic/);
    expect(deriveConfig({ type: 'subscribe', topic: 'vscp/#' }, ctx).subscribeTopic!.filter).toBe('vscp/#');
  });

  it('refuses simplify together with format = json', () => {
    expect(configError(() => deriveConfig({ simplify: '10,6,float,0,1', format: 'json' }, ctx)).key).toBe('simplify');
  });

  it('reports a bad filter or mask at its own key', () => {
    expect(configError(() => deriveConfig({ filter: '0,70000,0,-' }, ctx)).key).toBe('filter');
    expect(configError(() => deriveConfig({ mask: '0,0,0,zz' }, ctx)).key).toBe('mask');
    expect(configError(() => deriveConfig({ publish_mask: '9' }, ctx)).key).toBe('publish_mask');
  });

  it('checks TLS settings that belong together', () => {
    expect(configError(() => deriveConfig({ tls: true, cert: '/c.pem' }, ctx)).key).toBe('cert');
    expect(configError(() => deriveConfig({ tls: true, key: '/k.pem' }, ctx)).key).toBe('key');
    expect(configError(() => deriveConfig({ ca: '/ca.pem' }, ctx)).message).toMatch(/TLS is off/);
    expect(deriveConfig({ host: 'mqtts://b', ca: '/ca.pem' }, ctx).tls.ca).toBe('/ca.pem');
  });

  it('refuses reconnect_max_ms below reconnect_min_ms', () => {
    expect(configError(() => deriveConfig({ reconnect_min_ms: 5000, reconnect_max_ms: 1000 }, ctx)).key).toBe('reconnect_max_ms');
  });

  it('names the bus after the broker unless broker_id is set', () => {
    expect(deriveConfig({ host: 'Broker.Example:1883' }, ctx).busId).toBe('broker.example:1883');
    expect(deriveConfig({ host: 'node1:1883', broker_id: 'cluster' }, ctx).busId).toBe('cluster');
  });
});

describe('schema', () => {
  const props = Object.entries(schema.properties);

  it('gives every field a description and a reload class', () => {
    for (const [key, p] of props) {
      expect(p.description, key).toBeTruthy();
      expect(['hot', 'driver-restart'], key).toContain(p['x-reload']);
    }
  });

  it('lists the legacy positions as existing keys', () => {
    for (const key of schema['x-positional']) expect(schema.properties[key], key).toBeDefined();
  });

  it('keeps the daemon-owned keys out', () => {
    for (const key of ['driver', 'enable', 'guid', 'config', 'queue_size']) expect(schema.properties[key], key).toBeUndefined();
  });

  it('applies in place exactly the fields marked hot', () => {
    const hot = props.filter(([, p]) => p['x-reload'] === 'hot').map(([k]) => k).sort();
    expect([...HOT_KEYS].sort()).toEqual(hot);
  });

  it('has defaults that derive a working configuration', () => {
    const defaults = Object.fromEntries(props.filter(([, p]) => p.default !== undefined).map(([k, p]) => [k, p.default])) as MqttSettings;
    expect(() => deriveConfig(defaults, ctx)).not.toThrow();
  });
});
