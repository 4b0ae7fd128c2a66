/*
 * One simulated node: its register file (the Level I register protocol), its decision matrix
 * and the events it sends. Pure: no timers, no I/O; the driver owns those.
 */
import {
  CLASS1, CLASS2, INFORMATION_TYPE, PROTOCOL_TYPE, type Guid, type MeasurementCoding, type VscpEvent, type VscpEventInit,
  encodeMeasurement, encodeMeasurement32, encodeMeasurement64, encodeMeasurementFloat, encodeMeasurementString,
  encodeMeasurementZone,
} from '../../runtime/protocol/index.js';
import { DM_ROWS, DM_ROW_SIZE, type NodeConfig } from './settings.js';

/** Normal priority (3), as the original sent everything. */
export const HEAD = 0x60;

// Register map (vscp-drivers.md §11).
export const REG = {
  ZONE: 0x00,
  SUBZONE: 0x01,
  INDEX: 0x02,
  UNIT: 0x03,
  CODING: 0x04,
  INTERVAL: 0x06,
  DM: 0x40,
  ALARM: 0x80,
  VERSION_MAJOR: 0x81,
  VERSION_MINOR: 0x82,
  NODE_CONTROL: 0x83,
  USER_ID: 0x84,
  MANUFACTURER: 0x89,
  NICKNAME: 0x91,
  PAGE_MSB: 0x92,
  PAGE_LSB: 0x93,
  FIRMWARE: 0x94,
  BOOTLOADER: 0x97,
  BUFFER_SIZE: 0x98,
  PAGES_USED: 0x99,
  GUID: 0xd0,
  MDF_URL: 0xe0,
} as const;

export const MANUFACTURER_ID = [15, 3, 14, 0, 0, 0, 0, 0] as const;
export const MDF_URL = 'www.eurosource.se/vscpsim_1.xml';

const CODINGS: readonly MeasurementCoding[] = ['normalized', 'float', 'string'];

// DM row flags
const DM_ENABLED = 0x80;
const DM_CHECK_OADDR = 0x40;
const DM_HARDCODED = 0x20;
const DM_CHECK_ZONE = 0x10;
const DM_CHECK_SUBZONE = 0x08;
const DM_CLASS_MASK_BIT8 = 0x02;
const DM_CLASS_FILTER_BIT8 = 0x01;
const DM_ACTION_ON = 1;
const DM_ACTION_OFF = 2;

function isWritable(reg: number): boolean {
  return reg < 0x80 || reg === REG.NODE_CONTROL || (reg >= REG.USER_ID && reg < REG.MANUFACTURER) ||
    reg === REG.PAGE_MSB || reg === REG.PAGE_LSB;
}

export interface HandleResult {
  replies: VscpEventInit[];
  /** A register write changed the measurement interval. */
  intervalChanged: boolean;
}

export class SimNode {
  /** Standard registers 0x80–0xFF, and user registers 0x00–0x7F of page 0 (the only page). */
  readonly regs = new Uint8Array(256);
  /** Seconds; register 0x06 shows it up to 255. */
  intervalS = 0;
  private cfg!: NodeConfig;

  constructor(cfg: NodeConfig) {
    this.regs[REG.VERSION_MAJOR] = 1;
    this.regs[REG.VERSION_MINOR] = 5;
    this.regs.set(MANUFACTURER_ID, REG.MANUFACTURER);
    this.regs[REG.FIRMWARE] = 1;
    this.regs[REG.BUFFER_SIZE] = 8;
    this.regs[REG.PAGES_USED] = 1;
    for (let i = 0; i < MDF_URL.length; i++) this.regs[REG.MDF_URL + i] = MDF_URL.charCodeAt(i);
    this.apply(cfg, null);
  }

  get config(): NodeConfig {
    return this.cfg;
  }

  get guid(): Guid {
    return this.cfg.guid;
  }

  get nickname(): number {
    return this.cfg.guid[15]!;
  }

  /**
   * Takes new settings. Registers are set from the settings that differ from `prev` (all of them
   * when there is none), so runtime register writes to other registers survive a reload.
   */
  apply(cfg: NodeConfig, prev: NodeConfig | null): { intervalChanged: boolean; pathChanged: boolean } {
    this.cfg = cfg;
    const r = this.regs;
    const set = (reg: number, v: number, old: number | undefined) => { if (old !== v) r[reg] = v; };
    set(REG.ZONE, cfg.zone, prev?.zone);
    set(REG.SUBZONE, cfg.subzone, prev?.subzone);
    set(REG.INDEX, cfg.sensorIndex, prev?.sensorIndex);
    set(REG.UNIT, cfg.unit, prev?.unit);
    set(REG.CODING, cfg.coding, prev?.coding);
    let intervalChanged = false;
    if (!prev || prev.intervalS !== cfg.intervalS) {
      this.setInterval(cfg.intervalS);
      intervalChanged = true;
    }
    if (!prev || !equalBytes(prev.decisionMatrix, cfg.decisionMatrix)) r.set(cfg.decisionMatrix, REG.DM);
    r.set(cfg.guid, REG.GUID);
    r[REG.NICKNAME] = cfg.guid[15]!;
    return { intervalChanged, pathChanged: !!prev && prev.path !== cfg.path };
  }

  private setInterval(seconds: number): void {
    this.intervalS = seconds;
    this.regs[REG.INTERVAL] = Math.min(seconds, 255);
  }

  private page(): number {
    return (this.regs[REG.PAGE_MSB]! << 8) | this.regs[REG.PAGE_LSB]!;
  }

  /** Reads a register of a page (user registers exist on page 0 only). Reading the alarm register clears it. */
  read(reg: number, page = this.page()): number {
    if (reg < 0x80 && page !== 0) return 0;
    const v = this.regs[reg]!;
    if (reg === REG.ALARM) this.regs[reg] = 0;
    return v;
  }

  /** Writes a register; returns what reads back: the value, or its complement for a read-only register. */
  write(reg: number, value: number, page = this.page()): { readBack: number; intervalChanged: boolean } {
    if (!isWritable(reg) || (reg < 0x80 && page !== 0)) return { readBack: ~value & 0xff, intervalChanged: false };
    if (reg === REG.INTERVAL) {
      const changed = value !== this.intervalS;
      this.setInterval(value);
      return { readBack: value, intervalChanged: changed };
    }
    this.regs[reg] = value;
    return { readBack: value, intervalChanged: false };
  }

  /** CLASS1.INFORMATION node heartbeat: [0, zone, subzone]. */
  heartbeat(): VscpEventInit {
    return this.event(CLASS1.INFORMATION, INFORMATION_TYPE.NODE_HEARTBEAT, [0, this.regs[REG.ZONE]!, this.regs[REG.SUBZONE]!]);
  }

  /**
   * The measurement event for a value, in the node's class with its current unit, index,
   * coding, zone and subzone registers. Throws a ProtocolError when the value cannot be coded.
   */
  measurement(value: number): VscpEventInit {
    const r = this.regs;
    const unit = r[REG.UNIT]! & 3;
    const index = r[REG.INDEX]! & 7;
    const coding = CODINGS[r[REG.CODING]!] ?? 'normalized';
    const zone = r[REG.ZONE]!, subzone = r[REG.SUBZONE]!;
    const type = this.cfg.measurementType;
    let data: Uint8Array;
    switch (this.cfg.measurementClass) {
      case CLASS1.MEASUREMENT:
        // padDecimals: string coding writes "20.9200" as the original's %f did (Z4).
        data = encodeMeasurement(value, { coding, unit, index, padDecimals: true });
        break;
      case CLASS1.MEASUREMENT64:
        data = encodeMeasurement64(value);
        break;
      case CLASS1.MEASUREZONE:
        data = encodeMeasurementZone(value, { coding, unit, index, zone, subzone, padDecimals: true });
        break;
      case CLASS1.MEASUREMENT32:
        data = encodeMeasurement32(value);
        break;
      case CLASS2.MEASUREMENT_STR:
        data = encodeMeasurementString(value, { unit, index, zone, subzone });
        break;
      default:
        data = encodeMeasurementFloat(value, { unit, index, zone, subzone });
        break;
    }
    return this.event(this.cfg.measurementClass, type, data);
  }

  /**
   * An incoming Level I event (class < 512): the register protocol when it is addressed to this
   * node's nickname, the decision matrix for every other class.
   */
  handle(e: VscpEvent): HandleResult {
    const result: HandleResult = { replies: [], intervalChanged: false };
    if (e.vscpClass === CLASS1.PROTOCOL) {
      this.registerProtocol(e, result);
      return result;
    }
    this.decisionMatrix(e, result.replies);
    return result;
  }

  private registerProtocol(e: VscpEvent, out: HandleResult): void {
    const d = e.data;
    if (d.length < 2 || d[0] !== this.nickname) return;
    const replies = out.replies;
    switch (e.vscpType) {
      case PROTOCOL_TYPE.READ_REGISTER:
        replies.push(this.event(CLASS1.PROTOCOL, PROTOCOL_TYPE.RW_RESPONSE, [d[1]!, this.read(d[1]!)]));
        break;
      case PROTOCOL_TYPE.WRITE_REGISTER: {
        if (d.length < 3) return;
        const w = this.write(d[1]!, d[2]!);
        out.intervalChanged ||= w.intervalChanged;
        replies.push(this.event(CLASS1.PROTOCOL, PROTOCOL_TYPE.RW_RESPONSE, [d[1]!, w.readBack]));
        break;
      }
      case PROTOCOL_TYPE.PAGE_READ: {
        if (d.length < 3) return;
        const first = d[1]!;
        const count = Math.min(d[2]!, 256 - first);
        for (let seq = 0, done = 0; done < count; seq++) {
          const n = Math.min(7, count - done);
          const frame = [seq];
          for (let i = 0; i < n; i++) frame.push(this.read(first + done + i));
          replies.push(this.event(CLASS1.PROTOCOL, PROTOCOL_TYPE.RW_PAGE_RESPONSE, frame));
          done += n;
        }
        break;
      }
      case PROTOCOL_TYPE.PAGE_WRITE: {
        if (d.length < 3) return;
        const first = d[1]!;
        const frame = [0];
        for (let i = 2; i < d.length && first + i - 2 < 256; i++) {
          const w = this.write(first + i - 2, d[i]!);
          out.intervalChanged ||= w.intervalChanged;
          frame.push(w.readBack);
        }
        replies.push(this.event(CLASS1.PROTOCOL, PROTOCOL_TYPE.RW_PAGE_RESPONSE, frame));
        break;
      }
      case PROTOCOL_TYPE.EXTENDED_PAGE_READ: {
        if (d.length < 4) return;
        const page = (d[1]! << 8) | d[2]!;
        const first = d[3]!;
        const asked = d.length >= 5 ? (d[4] === 0 ? 256 : d[4]!) : 1;
        const count = Math.min(asked, 256 - first);
        for (let seq = 0, done = 0; done < count; seq++) {
          const n = Math.min(4, count - done);
          const frame = [seq, d[1]!, d[2]!, first + done];
          for (let i = 0; i < n; i++) frame.push(this.read(first + done + i, page));
          replies.push(this.event(CLASS1.PROTOCOL, PROTOCOL_TYPE.EXTENDED_PAGE_RESPONSE, frame));
          done += n;
        }
        break;
      }
      case PROTOCOL_TYPE.EXTENDED_PAGE_WRITE: {
        if (d.length < 5) return;
        const page = (d[1]! << 8) | d[2]!;
        const first = d[3]!;
        const frame = [0, d[1]!, d[2]!, first];
        for (let i = 4; i < d.length && first + i - 4 < 256; i++) {
          const w = this.write(first + i - 4, d[i]!, page);
          out.intervalChanged ||= w.intervalChanged;
          frame.push(w.readBack);
        }
        replies.push(this.event(CLASS1.PROTOCOL, PROTOCOL_TYPE.EXTENDED_PAGE_RESPONSE, frame));
        break;
      }
      default:
        break;
    }
  }

  private decisionMatrix(e: VscpEvent, replies: VscpEventInit[]): void {
    const r = this.regs;
    const d = e.data;
    for (let row = 0; row < DM_ROWS; row++) {
      const at = REG.DM + row * DM_ROW_SIZE;
      const flags = r[at + 1]!;
      if (!(flags & DM_ENABLED)) continue;
      if (flags & DM_CHECK_OADDR && e.guid[15] !== r[at]) continue;
      if (flags & DM_HARDCODED && !(e.head & 0x10)) continue;
      const classMask = r[at + 2]! | (flags & DM_CLASS_MASK_BIT8 ? 0x100 : 0);
      const classFilter = r[at + 3]! | (flags & DM_CLASS_FILTER_BIT8 ? 0x100 : 0);
      if (((classFilter ^ e.vscpClass) & classMask) !== 0) continue;
      if (((r[at + 5]! ^ e.vscpType) & r[at + 4]!) !== 0) continue;
      // Zone and subzone live in data[1] and data[2]; 255 means all.
      if (flags & DM_CHECK_ZONE && (d.length < 2 || (d[1] !== 255 && d[1] !== r[REG.ZONE]))) continue;
      if (flags & DM_CHECK_SUBZONE && (d.length < 3 || (d[2] !== 255 && d[2] !== r[REG.SUBZONE]))) continue;
      const action = r[at + 6]!;
      if (action !== DM_ACTION_ON && action !== DM_ACTION_OFF) continue;
      const zone = d.length >= 2 ? d[1]! : r[REG.ZONE]!;
      const subzone = d.length >= 3 ? d[2]! : r[REG.SUBZONE]!;
      replies.push(this.event(CLASS1.INFORMATION, action === DM_ACTION_ON ? INFORMATION_TYPE.ON : INFORMATION_TYPE.OFF,
        [r[at + 7]!, zone, subzone]));
    }
  }

  private event(vscpClass: number, vscpType: number, data: Uint8Array | number[]): VscpEventInit {
    return { head: HEAD, vscpClass, vscpType, guid: this.cfg.guid, data };
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
