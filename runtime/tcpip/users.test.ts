import { describe, expect, it } from 'vitest';
import type { UserSettings } from '../config/types.js';
import { createEvent, filterAccepts, parseGuid } from '../protocol/index.js';
import { hashPassword } from '../protocol/password.js';
import { RootLogger } from '../support/log.js';
import { UserConfigError, UserDirectory, type UserChanges } from './users.js';

const SALT = '00112233445566778899AABBCCDDEEFF';
const HASH_SECRET2 = hashPassword('secret2', SALT);
const HASH_OTHER = hashPassword('other-pw', SALT);

function user(name: string, over: Partial<UserSettings> = {}): UserSettings {
  return {
    name, passwordHash: HASH_SECRET2, privilege: 15, allowFrom: [], allowEvent: [], filter: '', mask: '',
    origin: { file: '/etc/vscpd/vscpd.conf', line: 10 }, ...over,
  };
}

describe('UserDirectory.authenticate', () => {
  const dir = new UserDirectory([
    user('admin'),
    user('ops', { privilege: 6, allowFrom: ['+10.0.0.0/8'] }),
  ]);

  it('accepts the right password and gives the user', async () => {
    const r = await dir.authenticate('admin', 'secret2', '127.0.0.1');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.user.name).toBe('admin');
      expect(r.user.privilege).toBe(15);
      expect(r.user.id).toBe(0);
    }
    expect(dir.get('ops')!.id).toBe(1);
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    expect(await dir.authenticate('admin', 'secret', '127.0.0.1')).toEqual({ ok: false, reason: 'invalid' });
    expect(await dir.authenticate('nobody', 'secret2', '127.0.0.1')).toEqual({ ok: false, reason: 'invalid' });
    expect(await dir.authenticate('Admin', 'secret2', '127.0.0.1')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses the right password from an address outside allowfrom', async () => {
    expect(await dir.authenticate('ops', 'secret2', '192.168.1.1')).toEqual({ ok: false, reason: 'peer' });
    expect((await dir.authenticate('ops', 'secret2', '::ffff:10.1.2.3')).ok).toBe(true);
  });

  it('never accepts the published default password of the original daemon', async () => {
    const lines: string[] = [];
    const log = new RootLogger({ sink: { write: (l) => lines.push(l) } }).logger('tcpip');
    const d = new UserDirectory([user('admin', {
      passwordHash: '450ADCE88F2FDBB20F3318B65E53CA4A;06D3311CC2195E80BE4F8EB12931BFEB5C630F6B154B2D644ABE29CEBDBFB545',
    })], { log });
    expect(lines.join('')).toMatch(/published default password/);
    expect(await d.authenticate('admin', 'secret', '127.0.0.1')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('nobody can log in without users', async () => {
    expect(await new UserDirectory().authenticate('admin', 'secret', '127.0.0.1')).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('per-user rules', () => {
  it('checks allowevent on SEND', () => {
    const d = new UserDirectory([
      user('a', { allowEvent: ['20:3', '0x0A:*'] }),
      user('b'),
      user('c', { allowEvent: ['*:*'] }),
    ]);
    const a = d.get('a')!;
    expect(a.maySend({ vscpClass: 20, vscpType: 3 })).toBe(true);
    expect(a.maySend({ vscpClass: 20, vscpType: 4 })).toBe(false);
    expect(a.maySend({ vscpClass: 10, vscpType: 99 })).toBe(true);
    expect(d.get('b')!.maySend({ vscpClass: 1, vscpType: 1 })).toBe(true);
    expect(d.get('c')!.maySend({ vscpClass: 65535, vscpType: 65535 })).toBe(true);
  });

  it('builds the session filter from filter/mask', () => {
    const d = new UserDirectory([user('m', { filter: '0,10,6,-', mask: '0,0xFFFF,0xFFFF,-' }), user('open')]);
    const f = d.get('m')!.filter!;
    expect(filterAccepts(f, createEvent({ vscpClass: 10, vscpType: 6 }))).toBe(true);
    expect(filterAccepts(f, createEvent({ vscpClass: 20, vscpType: 3, guid: parseGuid('-') }))).toBe(false);
    expect(d.get('open')!.filter).toBeNull();
  });
});

describe('configuration changes', () => {
  it('reports added, removed and changed users to listeners', () => {
    const d = new UserDirectory([user('a'), user('b'), user('c')]);
    const seen: UserChanges[] = [];
    const off = d.onChange((c) => seen.push(c));
    const changes = d.setUsers([user('a'), user('b', { privilege: 4 }), user('d')]);
    expect(changes).toEqual({ added: ['d'], removed: ['c'], changed: ['b'] });
    expect(seen).toEqual([changes]);
    expect(d.setUsers([user('a'), user('b', { privilege: 4 }), user('d')])).toEqual({ added: [], removed: [], changed: [] });
    expect(seen).toHaveLength(1);
    off();
    d.setUsers([]);
    expect(seen).toHaveLength(1);
    expect(d.size).toBe(0);
  });

  it('rejects bad settings with file:line, all at once, and keeps the users it had', () => {
    const d = new UserDirectory([user('a')]);
    let err: unknown;
    try {
      d.setUsers([
        user('x', { passwordHash: 'secret' }),
        user('y', { allowFrom: ['+300.1.1.1'] }),
        user('z', { allowEvent: ['20'] }),
        user('w', { privilege: 16 }),
        user('v', { filter: '0,70000,0,-' }),
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserConfigError);
    const msg = (err as Error).message.split('\n');
    expect(msg).toHaveLength(5);
    expect(msg[0]).toBe('/etc/vscpd/vscpd.conf:10: user x: password must be SALT;HASH (32 and 64 hex digits) as printed by `vscpd passwd`');
    expect(msg[1]).toMatch(/user y: allowfrom entry "\+300.1.1.1"/);
    expect(msg[2]).toMatch(/user z: allowevent entry "20" is not class:type/);
    expect(msg[3]).toMatch(/user w: privilege must be 0..15/);
    expect(msg[4]).toMatch(/user v: filter\/mask: /);
    expect(d.get('a')).toBeDefined();
    expect(() => UserDirectory.check([user('q'), user('q')])).toThrow(/user q: defined twice/);
  });
});

describe('local users for drivers', () => {
  it('generates drv_ credentials that work from loopback only', async () => {
    const d = new UserDirectory();
    const { user: name, password } = d.addLocalUser({ owner: 'tcpiplink1' });
    expect(name).toMatch(/^drv_[0-9A-Za-z]{32}$/);
    expect(password).toMatch(/^[0-9A-Za-z]{32}$/);
    const ok = await d.authenticate(name, password, '127.0.0.1');
    expect(ok.ok && ok.user.privilege).toBe(15);
    expect(ok.ok && ok.user.local).toBe(true);
    expect((await d.authenticate(name, password, '::ffff:127.0.0.1')).ok).toBe(true);
    expect(await d.authenticate(name, password, '10.0.0.1')).toEqual({ ok: false, reason: 'peer' });
    expect(await d.authenticate(name, password + 'x', '127.0.0.1')).toEqual({ ok: false, reason: 'invalid' });
    expect(d.list()).toEqual([]);
  });

  it('removes a local user and tells listeners', () => {
    const d = new UserDirectory();
    const { user: name } = d.addLocalUser();
    const seen: UserChanges[] = [];
    d.onChange((c) => seen.push(c));
    expect(d.removeLocalUser(name)).toBe(true);
    expect(d.removeLocalUser(name)).toBe(false);
    expect(seen).toEqual([{ added: [], removed: [name], changed: [] }]);
    expect(d.get(name)).toBeUndefined();
  });

  it('survives a configuration reload', () => {
    const d = new UserDirectory([user('a')]);
    const { user: name } = d.addLocalUser();
    d.setUsers([user('b')]);
    expect(d.get(name)).toBeDefined();
  });
});

describe('stored hashes', () => {
  it('accepts a stored hash written in lower-case hex', async () => {
    const d = new UserDirectory([user('low', { passwordHash: HASH_OTHER.toLowerCase() })]);
    expect((await d.authenticate('low', 'other-pw', '127.0.0.1')).ok).toBe(true);
  });
});
