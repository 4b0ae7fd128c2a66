import { ProtocolError } from './errors.js';

/**
 * Reads a number the way VSCP text formats write them: decimal, or hex with `0x` (any case).
 * Unlike the original `vscp_readStringValue`, garbage and out-of-range values are errors
 * instead of 0 or a silently wrapped value.
 */
export function parseVscpNumber(text: string, what: string, max: number, min = 0): number {
  const t = text.trim();
  let value: number;
  if (/^[+-]?0x[0-9a-f]+$/i.test(t)) {
    const negative = t.startsWith('-');
    value = parseInt(t.replace(/^[+-]/, '').slice(2), 16);
    if (negative) value = -value;
  } else if (/^[+-]?[0-9]+$/.test(t)) {
    value = parseInt(t, 10);
  } else {
    throw new ProtocolError(`${what}: "${text}" is not a number (decimal or 0x-hex)`);
  }
  if (value < min || value > max) {
    throw new ProtocolError(`${what}: ${t} is out of range ${min}..${max}`);
  }
  return value;
}

/**
 * The original helper `vscp_readStringValue`: trims, lower-cases, hex when the text contains
 * `0x` anywhere, decimal otherwise, 0 for garbage. Kept for legacy inputs (H1); new code
 * uses {@link parseVscpNumber}.
 */
export function readLegacyNumber(text: string): number {
  const t = text.trim().toLowerCase();
  const hexAt = t.indexOf('0x');
  const n = hexAt >= 0 ? parseInt(t.slice(hexAt + 2), 16) : parseInt(t, 10);
  return Number.isNaN(n) ? 0 : n | 0;
}

/** The original client library's boolean rule: true iff the lower-cased text contains "true" (H2). */
export function readLegacyBool(text: string): boolean {
  return text.toLowerCase().includes('true');
}
