import { ProtocolError } from './errors.js';

export const GUID_SIZE = 16;

/** 16 bytes, MSB first: guid[0] is the most significant byte, guid[15] the nickname byte. */
export type Guid = Uint8Array;

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

export function zeroGuid(): Guid {
  return new Uint8Array(GUID_SIZE);
}

/** `FF:FF:…:00`, upper-case, as the original daemon wrote it. */
export function formatGuid(guid: Guid): string {
  let s = HEX2[guid[0]!]!;
  for (let i = 1; i < GUID_SIZE; i++) s += ':' + HEX2[guid[i]!]!;
  return s;
}

export interface ParseGuidOptions {
  /** Require all 16 bytes (configuration). The wire format tolerated fewer, zero-filling the rest. */
  strict?: boolean;
}

/**
 * Parses `b0:b1:…:b15`; every token is hex (1–2 digits, `0x` tolerated), so `10` is 0x10 (H5).
 * `-` or an empty string is the all-zero GUID, which means "use the interface GUID".
 */
export function parseGuid(text: string, options: ParseGuidOptions = {}): Guid {
  const t = text.trim();
  const guid = zeroGuid();
  if (t === '' || t === '-') return guid;
  const tokens = t.split(':');
  if (tokens.length > GUID_SIZE) {
    throw new ProtocolError(`GUID "${text}" has ${tokens.length} bytes, at most 16 are allowed`);
  }
  if (options.strict && tokens.length !== GUID_SIZE) {
    throw new ProtocolError(`GUID "${text}" has ${tokens.length} bytes, 16 colon-separated hex bytes are required`);
  }
  tokens.forEach((token, i) => {
    const tok = token.trim().replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]{1,2}$/.test(tok)) {
      throw new ProtocolError(`GUID "${text}": byte ${i} "${token}" is not a hex byte (00..FF)`);
    }
    guid[i] = parseInt(tok, 16);
  });
  return guid;
}

export function isZeroGuid(guid: Guid): boolean {
  for (let i = 0; i < GUID_SIZE; i++) if (guid[i] !== 0) return false;
  return true;
}

/** True when only bytes 14–15 (the nickname / sub-address) may be non-zero. */
export function isZeroGuidExceptNickname(guid: Guid): boolean {
  for (let i = 0; i < 14; i++) if (guid[i] !== 0) return false;
  return true;
}

export function guidEquals(a: Guid, b: Guid): boolean {
  for (let i = 0; i < GUID_SIZE; i++) if (a[i] !== b[i]) return false;
  return true;
}
