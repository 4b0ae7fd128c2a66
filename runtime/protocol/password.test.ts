import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import {
  hashPassword,
  hashPasswordAsync,
  isPasswordHash,
  verifyPassword,
  verifyPasswordAsync,
} from './password.js';

// Default admin of the v13 distribution, password "secret" (vscp-protocol.md §9.3).
const ADMIN_SECRET = '450ADCE88F2FDBB20F3318B65E53CA4A;06D3311CC2195E80BE4F8EB12931BFEB5C630F6B154B2D644ABE29CEBDBFB545';

describe('password hashes', () => {
  it('verifies the v13 vector and rejects other passwords', () => {
    expect(verifyPassword('secret', ADMIN_SECRET)).toBe(true);
    expect(verifyPassword('Secret', ADMIN_SECRET)).toBe(false);
    expect(verifyPassword('', ADMIN_SECRET)).toBe(false);
  });

  it('accepts lower-case stored hex and surrounding whitespace', () => {
    expect(verifyPassword('secret', ADMIN_SECRET.toLowerCase())).toBe(true);
    expect(verifyPassword('secret', `  ${ADMIN_SECRET}\n`)).toBe(true);
  });

  it('reproduces the vector from its salt', () => {
    expect(hashPassword('secret', '450ADCE88F2FDBB20F3318B65E53CA4A')).toBe(ADMIN_SECRET);
    expect(hashPassword('secret', Buffer.from('450ADCE88F2FDBB20F3318B65E53CA4A', 'hex'))).toBe(ADMIN_SECRET);
  });

  it('makes a fresh random salt each time, in the upper-case SALT;HASH form', () => {
    const a = hashPassword('pw');
    const b = hashPassword('pw');
    expect(a).toMatch(/^[0-9A-F]{32};[0-9A-F]{64}$/);
    expect(a.slice(0, 32)).not.toBe(b.slice(0, 32));
    expect(verifyPassword('pw', a)).toBe(true);
    expect(verifyPassword('pw', b)).toBe(true);
  });

  it('hashes UTF-8 passwords', () => {
    const h = hashPassword('lösenord ✓');
    expect(verifyPassword('lösenord ✓', h)).toBe(true);
    expect(verifyPassword('losenord ✓', h)).toBe(false);
  });

  it('treats malformed stored values as no match instead of throwing', () => {
    for (const bad of ['', 'secret', 'd50c3180375c27927c22e42a379c3f67', ADMIN_SECRET.slice(0, -1), ADMIN_SECRET.replace(';', ':'), 'ZZ' + ADMIN_SECRET.slice(2)]) {
      expect(isPasswordHash(bad)).toBe(false);
      expect(verifyPassword('secret', bad)).toBe(false);
    }
    expect(isPasswordHash(ADMIN_SECRET)).toBe(true);
    expect(isPasswordHash(ADMIN_SECRET.toLowerCase())).toBe(true);
  });

  it('rejects a salt of the wrong size', () => {
    expect(() => hashPassword('x', 'ABCD')).toThrow(ProtocolError);
    expect(() => hashPassword('x', new Uint8Array(15))).toThrow(/salt must be 16 bytes, got 15/);
  });

  it('async variants give the same answers', async () => {
    expect(await verifyPasswordAsync('secret', ADMIN_SECRET)).toBe(true);
    expect(await verifyPasswordAsync('wrong', ADMIN_SECRET)).toBe(false);
    expect(await verifyPasswordAsync('secret', 'garbage')).toBe(false);
    expect(await hashPasswordAsync('secret', '450ADCE88F2FDBB20F3318B65E53CA4A')).toBe(ADMIN_SECRET);
    const h = await hashPasswordAsync('abc');
    expect(verifyPassword('abc', h)).toBe(true);
  });

  it('the async verify lets the event loop run while it works', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      await Promise.all([1, 2, 3, 4].map(() => verifyPasswordAsync('secret', ADMIN_SECRET)));
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});
