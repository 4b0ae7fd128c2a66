/*
 * "Simplify": MQTT payloads that are just a number, mapped to one measurement event.
 *   10,<type>,float|string,<index 0-7>,<unit 0-3>             CLASS1.MEASUREMENT
 *   1040,<type>,<index>,<unit>,<zone>,<subzone>               CLASS2.MEASUREMENT_STR
 *   1060,<type>,<index>,<unit>,<zone>,<subzone>               CLASS2.MEASUREMENT_FLOAT
 * Fixed against the original: the coding is the third field (not "FLOAT anywhere in the text"),
 * out-of-range index/unit are errors instead of being clamped into neighbouring bits, other
 * classes are errors instead of being taken as class 10.
 */
import { DriverConfigError } from '../../runtime/drivers/contract.js';
import {
  type VscpEvent, type VscpEventInit, PRIORITY_NORMAL, ProtocolError, withPriority,
} from '../../runtime/protocol/index.js';
import {
  MEASUREMENT_STR_MAX_TEXT, decodeMeasurement, decodeMeasurementFloat, decodeMeasurementString, encodeMeasurement,
  encodeMeasurementFloat, encodeMeasurementString, plainDecimal,
} from '../../runtime/protocol/measurement.js';

export type SimplifySpec =
  | { vscpClass: 10; vscpType: number; coding: 'float' | 'string'; index: number; unit: number; text: string }
  | { vscpClass: 1040 | 1060; vscpType: number; index: number; unit: number; zone: number; subzone: number; text: string };

function fail(message: string): never {
  throw new DriverConfigError(`simplify: ${message}`, 'simplify');
}

function int(token: string | undefined, what: string, max: number): number {
  const t = (token ?? '').trim();
  let value: number;
  if (/^0x[0-9a-f]+$/i.test(t)) value = parseInt(t.slice(2), 16);
  else if (/^[0-9]+$/.test(t)) value = parseInt(t, 10);
  else fail(`${what} "${token ?? ''}" is not a number`);
  if (value > max) fail(`${what} ${value} is out of range 0..${max}`);
  return value;
}

export function parseSimplify(text: string): SimplifySpec {
  const tokens = text.split(',').map((t) => t.trim());
  const vscpClass = int(tokens[0], 'class', 0xffff);
  if (vscpClass === 10) {
    if (tokens.length !== 5) fail(`"${text}" has ${tokens.length} fields; CLASS1.MEASUREMENT needs 10,<type>,float|string,<sensor index 0-7>,<unit 0-3>`);
    const coding = tokens[2]!.toLowerCase();
    if (coding !== 'float' && coding !== 'string') fail(`coding "${tokens[2]}" must be float or string`);
    return {
      vscpClass,
      vscpType: int(tokens[1], 'type', 255),
      coding,
      index: int(tokens[3], 'sensor index', 7),
      unit: int(tokens[4], 'unit', 3),
      text,
    };
  }
  if (vscpClass === 1040 || vscpClass === 1060) {
    if (tokens.length !== 6) fail(`"${text}" has ${tokens.length} fields; class ${vscpClass} needs ${vscpClass},<type>,<sensor index>,<unit>,<zone>,<subzone>`);
    return {
      vscpClass,
      vscpType: int(tokens[1], 'type', 0xffff),
      index: int(tokens[2], 'sensor index', 255),
      unit: int(tokens[3], 'unit', 255),
      zone: int(tokens[4], 'zone', 255),
      subzone: int(tokens[5], 'subzone', 255),
      text,
    };
  }
  return fail(`class ${vscpClass} is not supported; use 10 (CLASS1.MEASUREMENT), 1040 (CLASS2.MEASUREMENT_STR) or 1060 (CLASS2.MEASUREMENT_FLOAT)`);
}

const NUMBER_RE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** A received payload that should be a plain number; ProtocolError otherwise. */
function numberFrom(text: string): { text: string; value: number } {
  const t = text.trim();
  if (t.length > MEASUREMENT_STR_MAX_TEXT || !NUMBER_RE.test(t)) {
    const shown = t.length > 40 ? `${t.slice(0, 40)}…` : t;
    throw new ProtocolError(`payload "${shown}" is not a number (simplify expects a plain decimal number)`);
  }
  const value = Number(t);
  if (!Number.isFinite(value)) throw new ProtocolError(`payload "${t}" is out of range`);
  return { text: t, value };
}

/** The measurement event a received number stands for (GUID left zero: the interface GUID). */
export function simplifiedEvent(spec: SimplifySpec, payloadText: string): VscpEventInit {
  const n = numberFrom(payloadText);
  const head = withPriority(0, PRIORITY_NORMAL);
  if (spec.vscpClass === 10) {
    return { head, vscpClass: 10, vscpType: spec.vscpType, data: encodeMeasurement(n.value, { coding: spec.coding, unit: spec.unit, index: spec.index }) };
  }
  const where = { index: spec.index, unit: spec.unit, zone: spec.zone, subzone: spec.subzone };
  const data = spec.vscpClass === 1040 ? encodeMeasurementString(n.text, where) : encodeMeasurementFloat(n.value, where);
  return { head, vscpClass: spec.vscpClass, vscpType: spec.vscpType, data };
}

/**
 * The number to publish for a delivered event, or null when the event is not the configured
 * measurement (class, type, sensor index, unit, and for class 1040/1060 zone and subzone).
 * Any coding of CLASS1.MEASUREMENT is read; string coding is published as sent.
 */
export function simplifiedPayload(spec: SimplifySpec, event: VscpEvent): string | null {
  if (event.vscpClass !== spec.vscpClass || event.vscpType !== spec.vscpType) return null;
  try {
    if (spec.vscpClass === 10) {
      const m = decodeMeasurement(event.data);
      if (m.index !== spec.index || m.unit !== spec.unit) return null;
      return m.text !== undefined ? m.text.trim() : plainDecimal(m.value);
    }
    const m = spec.vscpClass === 1040 ? decodeMeasurementString(event.data) : decodeMeasurementFloat(event.data);
    if (m.index !== spec.index || m.unit !== spec.unit || m.zone !== spec.zone || m.subzone !== spec.subzone) return null;
    return m.text !== undefined ? m.text.trim() : plainDecimal(m.value);
  } catch {
    // Malformed measurement data: nothing sensible to publish as a number.
    return null;
  }
}
