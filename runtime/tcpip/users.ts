/*
 * Who may log in to the TCP/IP interface: the [user.NAME] sections, plus local users the
 * daemon generates for drivers that talk to it over TCP/IP (`drv_…`, allowed from 127.0.0.0/8
 * only, never written anywhere). A user has a privilege level 0–15 (v13: a command needs a
 * level ≥ its own), an `allowfrom` address list, an `allowevent` list checked on SEND, and a
 * filter/mask copied to the session at login.
 *
 * There is no built-in user and no default password: with no [user.*] section nobody can log
 * in, and a user configured with the password hash published with the original daemon
 * (admin/secret) is refused.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { UserSettings } from '../config/types.js';
import {
  type VscpEvent, type VscpFilter, isOpenFilter, parseFilterMask, parseVscpNumber,
} from '../protocol/index.js';
import { verifyPasswordAsync } from '../protocol/password.js';
import { silentLogger, type Logger } from '../support/log.js';
import { type AclEntry, aclAllows, parseAcl } from './acl.js';

/** The hash shipped with vscpd v13 for admin/`secret`: whoever uses it runs a published password. */
const PUBLISHED_DEFAULT_HASHES = new Set([
  '450ADCE88F2FDBB20F3318B65E53CA4A;06D3311CC2195E80BE4F8EB12931BFEB5C630F6B154B2D644ABE29CEBDBFB545',
]);

/** A stored hash of the right shape for users that do not exist, so their check costs the same. */
const DUMMY_HASH = '00000000000000000000000000000000;0000000000000000000000000000000000000000000000000000000000000000';

export const PRIVILEGE_ADMIN = 15;
export const PRIVILEGE_DRIVER = 15;
export const PRIVILEGE_USER = 6;

export class UserConfigError extends Error {
  override name = 'UserConfigError';
}

/** One `allowevent` entry: `*:*`, `class:*`, `*:type` or `class:type` (decimal or 0x). */
interface AllowEventRule {
  vscpClass: number | null;
  vscpType: number | null;
}

function parseAllowEvent(user: string, entries: readonly string[]): AllowEventRule[] {
  const rules: AllowEventRule[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const parts = entry.split(':');
    if (parts.length !== 2) {
      throw new UserConfigError(`user ${user}: allowevent entry "${entry}" is not class:type; allowed: *:*, class:*, class:type (decimal or 0x)`);
    }
    const field = (text: string, what: string): number | null => {
      const t = text.trim();
      if (t === '*') return null;
      try {
        return parseVscpNumber(t, what, 0xffff);
      } catch (e) {
        throw new UserConfigError(`user ${user}: allowevent entry "${entry}": ${(e as Error).message}`);
      }
    };
    rules.push({ vscpClass: field(parts[0]!, 'class'), vscpType: field(parts[1]!, 'type') });
  }
  return rules;
}

/** A user as the directory holds it (no password material). */
export interface User {
  readonly name: string;
  /** Numeric id (variable owner): `admin` is 0, others count from 1 in configuration order; local users from 0x8000. */
  readonly id: number;
  readonly privilege: number;
  /** Generated for a driver; not from the configuration. */
  readonly local: boolean;
  /** Session filter/mask copied at login; null = everything. */
  readonly filter: VscpFilter | null;
  mayConnectFrom(address: string): boolean;
  maySend(event: Pick<VscpEvent, 'vscpClass' | 'vscpType'>): boolean;
}

class UserEntry implements User {
  constructor(
    readonly name: string,
    readonly id: number,
    readonly privilege: number,
    readonly local: boolean,
    readonly filter: VscpFilter | null,
    private readonly acl: readonly AclEntry[],
    private readonly allowEvent: readonly AllowEventRule[],
    /** `SALT;HASH` for configured users, hex SHA-256 for local ones. */
    readonly secret: string,
    /** The settings it was built from (to tell changed users on reload). */
    readonly fingerprint: string,
  ) {}

  mayConnectFrom(address: string): boolean {
    return aclAllows(this.acl, address);
  }

  maySend(event: Pick<VscpEvent, 'vscpClass' | 'vscpType'>): boolean {
    if (this.allowEvent.length === 0) return true;
    for (const r of this.allowEvent) {
      if ((r.vscpClass === null || r.vscpClass === event.vscpClass) && (r.vscpType === null || r.vscpType === event.vscpType)) return true;
    }
    return false;
  }
}

export type AuthResult =
  | { ok: true; user: User }
  /** invalid: no such user or wrong password; peer: right password from a refused address. */
  | { ok: false; reason: 'invalid' | 'peer' };

export interface UserChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface LocalUserOptions {
  /** Part of the log line and the user's description, e.g. the driver's name. */
  owner?: string;
  privilege?: number;
  /** Default `+127.0.0.0/8` (IPv4-mapped loopback included). */
  allowFrom?: string[];
}

const RANDOM_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function randomText(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += RANDOM_CHARS[randomInt(RANDOM_CHARS.length)];
  return s;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export class UserDirectory {
  private configured = new Map<string, UserEntry>();
  private readonly localUsers = new Map<string, UserEntry>();
  private readonly listeners = new Set<(changes: UserChanges) => void>();
  private readonly log: Logger;
  private nextLocalId = 0x8000;

  constructor(users: readonly UserSettings[] = [], options: { log?: Logger } = {}) {
    this.log = options.log ?? silentLogger;
    this.configured = this.build(users);
  }

  /**
   * Replaces the configured users (hot reload). Everything is checked first: on an error
   * nothing changes. Listeners learn which users were removed or changed, so sessions of a
   * removed user can be closed.
   */
  setUsers(users: readonly UserSettings[]): UserChanges {
    const next = this.build(users);
    const changes: UserChanges = { added: [], removed: [], changed: [] };
    for (const [name, entry] of next) {
      const before = this.configured.get(name);
      if (!before) changes.added.push(name);
      else if (before.fingerprint !== entry.fingerprint) changes.changed.push(name);
    }
    for (const name of this.configured.keys()) if (!next.has(name)) changes.removed.push(name);
    this.configured = next;
    if (changes.added.length + changes.removed.length + changes.changed.length > 0) this.notify(changes);
    return changes;
  }

  /** Validates user settings the way setUsers would, without applying them. */
  static check(users: readonly UserSettings[]): void {
    new UserDirectory().build(users);
  }

  /**
   * Credentials for a driver that logs in over TCP/IP (`drv_` + 32 random characters, a
   * 32-character random password, privilege driver, loopback only). Not persisted.
   */
  addLocalUser(options: LocalUserOptions = {}): { user: string; password: string } {
    let user: string;
    do user = `drv_${randomText(32)}`; while (this.localUsers.has(user) || this.configured.has(user));
    const password = randomText(32);
    const acl = parseAcl(options.allowFrom ?? ['+127.0.0.0/8']);
    const privilege = options.privilege ?? PRIVILEGE_DRIVER;
    // 190 random bits: one SHA-256 is as safe as PBKDF2 here and keeps driver logins instant.
    const entry = new UserEntry(user, this.nextLocalId++, privilege, true, null, acl, [], sha256Hex(password), '');
    if (this.nextLocalId > 0xfffe) this.nextLocalId = 0x8000;
    this.localUsers.set(user, entry);
    this.log.debug('Local user added.', { user, owner: options.owner });
    return { user, password };
  }

  /** Removes a local user; its sessions are closed like those of a removed configured user. */
  removeLocalUser(user: string): boolean {
    if (!this.localUsers.delete(user)) return false;
    this.notify({ added: [], removed: [user], changed: [] });
    return true;
  }

  get(name: string): User | undefined {
    return this.configured.get(name) ?? this.localUsers.get(name);
  }

  /** Configured users, in configuration order (local users are not listed). */
  list(): User[] {
    return [...this.configured.values()];
  }

  get size(): number {
    return this.configured.size;
  }

  /**
   * Checks a login. Costs one PBKDF2 (off the event loop) whether or not the user exists, so
   * the answer time does not tell which names exist. The address check comes after the
   * password, so a refused address learns nothing about names or passwords.
   */
  async authenticate(name: string, password: string, remoteAddress: string): Promise<AuthResult> {
    const local = this.localUsers.get(name);
    if (local) {
      const given = Buffer.from(sha256Hex(password), 'hex');
      const ok = timingSafeEqual(given, Buffer.from(local.secret, 'hex'));
      if (!ok) return { ok: false, reason: 'invalid' };
      return local.mayConnectFrom(remoteAddress) ? { ok: true, user: local } : { ok: false, reason: 'peer' };
    }
    const entry = this.configured.get(name);
    const ok = await verifyPasswordAsync(password, entry?.secret ?? DUMMY_HASH);
    // the user may have been removed while the hash was computed
    const current = this.configured.get(name);
    if (!ok || !entry || current !== entry) return { ok: false, reason: 'invalid' };
    if (PUBLISHED_DEFAULT_HASHES.has(entry.secret.toUpperCase())) {
      this.log.warn('Login refused: the user has the published default password of the original daemon; set a new one with `vscpd passwd`.', { user: name });
      return { ok: false, reason: 'invalid' };
    }
    return entry.mayConnectFrom(remoteAddress) ? { ok: true, user: entry } : { ok: false, reason: 'peer' };
  }

  onChange(listener: (changes: UserChanges) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private notify(changes: UserChanges): void {
    for (const l of [...this.listeners]) {
      try {
        l(changes);
      } catch (e) {
        this.log.error('User change listener failed.', { error: (e as Error).message });
      }
    }
  }

  private build(users: readonly UserSettings[]): Map<string, UserEntry> {
    const out = new Map<string, UserEntry>();
    const problems: string[] = [];
    let nextId = 1;
    for (const u of users) {
      const where = u.origin ? `${u.origin.file}:${u.origin.line}: ` : '';
      try {
        if (!/^[^\s;:]+$/.test(u.name)) throw new UserConfigError(`user "${u.name}": a name must be non-empty without spaces, ';' or ':'`);
        if (out.has(u.name)) throw new UserConfigError(`user ${u.name}: defined twice`);
        if (!/^[0-9A-Fa-f]{32};[0-9A-Fa-f]{64}$/.test(u.passwordHash.trim())) {
          throw new UserConfigError(`user ${u.name}: password must be SALT;HASH (32 and 64 hex digits) as printed by \`vscpd passwd\``);
        }
        if (!Number.isInteger(u.privilege) || u.privilege < 0 || u.privilege > 15) {
          throw new UserConfigError(`user ${u.name}: privilege must be 0..15, admin, user or driver, got ${u.privilege}`);
        }
        let acl: AclEntry[];
        try {
          acl = parseAcl(u.allowFrom);
        } catch (e) {
          throw new UserConfigError(`user ${u.name}: ${(e as Error).message}`);
        }
        const allowEvent = parseAllowEvent(u.name, u.allowEvent);
        let filter: VscpFilter | null;
        try {
          filter = parseFilterMask(u.filter ?? '', u.mask ?? '');
        } catch (e) {
          throw new UserConfigError(`user ${u.name}: filter/mask: ${(e as Error).message}`);
        }
        if (PUBLISHED_DEFAULT_HASHES.has(u.passwordHash.trim().toUpperCase())) {
          this.log.warn('User has the published default password of the original daemon; its logins are refused until it gets a new one.', { user: u.name });
        }
        const id = u.name === 'admin' ? 0 : nextId++;
        const fingerprint = JSON.stringify([u.passwordHash.trim().toUpperCase(), u.privilege, u.allowFrom, u.allowEvent, u.filter, u.mask, id]);
        out.set(u.name, new UserEntry(
          u.name, id, u.privilege, false, isOpenFilter(filter) ? null : filter, acl, allowEvent, u.passwordHash.trim(), fingerprint,
        ));
      } catch (e) {
        problems.push(where + (e as Error).message);
      }
    }
    if (problems.length) throw new UserConfigError(problems.join('\n'));
    return out;
  }
}
