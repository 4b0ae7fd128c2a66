import { pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ProtocolError } from './errors.js';

/*
 * Password storage of vscpd v13 (`vscp-mkpasswd`): `SALT;HASH`, SALT = 16 random bytes,
 * HASH = PBKDF2-HMAC-SHA256(password, salt, 70000 iterations, 32 bytes), both upper-case hex.
 * Verification compares hash bytes in constant time and also accepts lower-case hex (v13
 * compared strings and would have refused it). One hash costs tens of milliseconds: servers use
 * the async variants so the event loop keeps running.
 */

export const PASSWORD_ITERATIONS = 70000;
export const PASSWORD_SALT_BYTES = 16;
export const PASSWORD_HASH_BYTES = 32;
const DIGEST = 'sha256';

const STORED_RE = /^([0-9a-fA-F]{32});([0-9a-fA-F]{64})$/;

/** True for `SALT;HASH` with 32 and 64 hex digits (either case). */
export function isPasswordHash(text: string): boolean {
  return STORED_RE.test(text.trim());
}

function saltBytes(salt: Uint8Array | string | undefined): Buffer {
  if (salt === undefined) return randomBytes(PASSWORD_SALT_BYTES);
  if (typeof salt === 'string') {
    if (!/^[0-9a-fA-F]{32}$/.test(salt)) throw new ProtocolError(`password salt must be 32 hex digits (16 bytes), got "${salt}"`);
    return Buffer.from(salt, 'hex');
  }
  if (salt.length !== PASSWORD_SALT_BYTES) throw new ProtocolError(`password salt must be 16 bytes, got ${salt.length}`);
  return Buffer.from(salt);
}

function format(salt: Buffer, hash: Buffer): string {
  return `${salt.toString('hex').toUpperCase()};${hash.toString('hex').toUpperCase()}`;
}

/** `SALT;HASH` for a password; a random salt unless one is given (16 bytes or 32 hex digits). */
export function hashPassword(password: string, salt?: Uint8Array | string): string {
  const s = saltBytes(salt);
  return format(s, pbkdf2Sync(password, s, PASSWORD_ITERATIONS, PASSWORD_HASH_BYTES, DIGEST));
}

/** {@link hashPassword} without blocking the event loop. */
export function hashPasswordAsync(password: string, salt?: Uint8Array | string): Promise<string> {
  const s = saltBytes(salt);
  return new Promise((resolve, reject) => {
    pbkdf2(password, s, PASSWORD_ITERATIONS, PASSWORD_HASH_BYTES, DIGEST, (err, key) => (err ? reject(err) : resolve(format(s, key))));
  });
}

function splitStored(stored: string): { salt: Buffer; hash: Buffer } | undefined {
  const m = STORED_RE.exec(stored.trim());
  if (!m) return undefined;
  return { salt: Buffer.from(m[1]!, 'hex'), hash: Buffer.from(m[2]!, 'hex') };
}

/** True when the password matches a stored `SALT;HASH`; false for a wrong password or a malformed stored value. */
export function verifyPassword(password: string, stored: string): boolean {
  const parts = splitStored(stored);
  if (!parts) return false;
  const key = pbkdf2Sync(password, parts.salt, PASSWORD_ITERATIONS, PASSWORD_HASH_BYTES, DIGEST);
  return timingSafeEqual(key, parts.hash);
}

/** {@link verifyPassword} without blocking the event loop. */
export function verifyPasswordAsync(password: string, stored: string): Promise<boolean> {
  const parts = splitStored(stored);
  if (!parts) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    pbkdf2(password, parts.salt, PASSWORD_ITERATIONS, PASSWORD_HASH_BYTES, DIGEST, (err, key) =>
      err ? reject(err) : resolve(timingSafeEqual(key, parts.hash)),
    );
  });
}
