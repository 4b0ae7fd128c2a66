/*
 * The v13 command set. Command words are matched whole and case-insensitively (v13 matched
 * prefixes, so `NOOPxyz` was NOOP; vscpd answers it `-OK - Unknown command`). Privileges are
 * the levels of the v13 code (vscp-protocol.md §7.3); VERS needs a login as in v13, and
 * MEASUREMENT, which v13 let anyone use, needs the SEND privilege since it sends an event.
 */
import { createHash, randomBytes } from 'node:crypto';
import { INTERFACE_TYPE } from '../bus/index.js';
import {
  CLASS1, CLASS2, type VscpEvent, createEvent, encodeMeasurement, encodeMeasurementFloat, encodeMeasurementString,
  formatCapabilityCode, formatGuid, parseEvent, parseFilterPart, parseGuid, parseVscpNumber, zeroGuid,
} from '../protocol/index.js';
import { VariableType, normalizeVariableName } from '../variables/types.js';
import { deliveryLine } from './event-line.js';
import { Reply } from './replies.js';
import type { Session } from './session.js';
import { runVar } from './var-commands.js';

export interface Command {
  name: string;
  aliases: readonly string[];
  /** Minimum user privilege 0–15. */
  privilege: number;
  /** Needs a logged-in session even at privilege 0. */
  login: boolean;
  syntax: string;
  help: string;
  run(session: Session, arg: string): void | Promise<void>;
}

type CommandInit = Omit<Command, 'aliases' | 'login' | 'privilege'> & Partial<Pick<Command, 'aliases' | 'login' | 'privilege'>>;

const LIST: Command[] = [];

function define(init: CommandInit): void {
  const privilege = init.privilege ?? 0;
  LIST.push({ ...init, aliases: init.aliases ?? [], privilege, login: init.login ?? privilege > 0 });
}

function unsupported(name: string, what: string): void {
  define({ name, syntax: name, help: `${what}: not supported by this daemon.`, run: (s) => s.reply(Reply.NOT_SUPPORTED) });
}

define({ name: 'NOOP', syntax: 'NOOP', help: 'No operation.', run: (s) => s.reply(Reply.SUCCESS) });

define({
  name: 'HELP', syntax: 'HELP [command]', help: 'List the commands, or explain one.',
  run(s, arg) {
    if (arg === '') {
      for (const c of LIST) s.data(`${c.syntax.padEnd(40)} ${c.help}`);
      s.reply(Reply.SUCCESS);
      return;
    }
    const c = COMMANDS.get(arg.split(/\s+/)[0]!.toUpperCase());
    if (!c) {
      s.reply(Reply.UNKNOWN);
      return;
    }
    s.data(c.syntax);
    s.data(c.help);
    if (c.aliases.length) s.data(`Also: ${c.aliases.join(', ')}`);
    s.data(c.privilege > 0 ? `Privilege: ${c.privilege}` : c.login ? 'Needs login.' : 'No login needed.');
    s.reply(Reply.SUCCESS);
  },
});

define({ name: 'QUIT', syntax: 'QUIT', help: 'Close the connection.', run: (s) => s.end(Reply.QUIT) });

define({
  name: 'USER', syntax: 'USER name', help: 'User name for login.',
  run(s, arg) {
    if (arg === '') return s.reply(Reply.INVALID);
    if (s.user) return s.reply(Reply.SUCCESS);
    s.pendingUser = arg;
    s.reply(Reply.USER_OK);
  },
});

define({
  name: 'PASS', syntax: 'PASS password', help: 'Password for login; a wrong one closes the connection.',
  run(s, arg) {
    if (s.user) return s.reply(Reply.SUCCESS);
    if (s.pendingUser === null) return s.reply(Reply.NEED_USER);
    if (arg === '') return s.end(Reply.INVALID);
    return login(s, s.pendingUser, arg);
  },
});

async function login(s: Session, name: string, password: string): Promise<void> {
  const { throttle, users } = s.ctx;
  const address = s.remoteAddress;
  let allowed: boolean;
  try {
    allowed = await throttle.acquire(address, s.signal);
  } catch {
    return; // the connection went away while waiting
  }
  const result = allowed ? await users.authenticate(name, password, address) : { ok: false as const, reason: 'invalid' as const };
  if (s.isClosing) return;
  if (!result.ok) {
    throttle.failed(address);
    s.log.warn('Login failed.', {
      user: name, reason: allowed ? (result.reason === 'peer' ? 'address not allowed' : 'wrong user or password') : 'too many attempts',
      failures: throttle.failures(address),
    });
    s.end(result.reason === 'peer' ? Reply.BAD_PEER : Reply.BAD_LOGIN);
    return;
  }
  throttle.succeeded(address);
  try {
    s.loggedIn(result.user);
  } catch (e) {
    s.log.error('Cannot join the event bus.', { error: (e as Error).message });
    s.end(Reply.INTERNAL);
    return;
  }
  s.log.info('User logged in.', { user: name, client: s.client!.id });
  s.reply(Reply.SUCCESS);
}

define({
  name: 'CHALLENGE', syntax: 'CHALLENGE [text]', help: 'Get a session id (32 hex digits).',
  run(s, arg) {
    s.sid = createHash('md5').update(arg).update(randomBytes(16)).digest('hex');
    s.reply(`+OK - ${s.sid}`);
  },
});

define({
  name: 'SEND', privilege: 4, syntax: 'SEND head,class,type,obid,datetime,timestamp,GUID[,data…] | SEND $variable',
  help: 'Send an event; empty datetime/timestamp and a GUID of - are filled in by the daemon.',
  run(s, arg) {
    if (arg.charCodeAt(0) === 36 /* $ */) return sendVariable(s, arg.slice(1).trim());
    let event: VscpEvent;
    try {
      event = parseEvent(arg);
    } catch {
      s.noteSendRejected();
      return s.reply(Reply.INVALID);
    }
    sendEvent(s, event);
  },
});

function sendEvent(s: Session, event: VscpEvent): void {
  if (!s.user!.maySend(event)) {
    s.noteSendRejected();
    s.reply(Reply.SEND_NOT_ALLOWED);
    return;
  }
  s.reply(s.client!.send(event) === 'ok' ? Reply.SUCCESS : Reply.INTERNAL);
}

function sendVariable(s: Session, name: string): void {
  let canonical: string;
  try {
    canonical = normalizeVariableName(name);
  } catch {
    s.noteSendRejected();
    return s.reply(Reply.INVALID);
  }
  const v = s.ctx.variables.get(canonical);
  if (!v) return s.reply(Reply.VAR_UNDEFINED);
  if (v.type !== VariableType.EVENT) return s.reply(Reply.VAR_NOT_EVENT);
  let event: VscpEvent;
  try {
    event = parseEvent(v.value);
  } catch {
    s.noteSendRejected();
    return s.reply(Reply.INVALID);
  }
  sendEvent(s, event);
}

define({
  name: 'RETR', aliases: ['RETRIEVE'], privilege: 2, syntax: 'RETR [count]',
  help: 'Take up to count (default 1) events from the queue; -OK when it runs dry.',
  run(s, arg) {
    let n = 1;
    if (arg !== '') {
      try {
        n = parseVscpNumber(arg, 'count', 0x7fffffff) || 1;
      } catch {
        return s.reply(Reply.INVALID);
      }
    }
    const client = s.client!;
    for (let i = 0; i < n; i++) {
      const d = client.takeDelivery();
      if (!d) return s.reply(Reply.NO_EVENTS);
      s.raw(deliveryLine(d));
    }
    s.reply(Reply.SUCCESS);
  },
});

define({
  name: 'RCVLOOP', aliases: ['RECEIVELOOP'], privilege: 2, syntax: 'RCVLOOP',
  help: 'Stream events as they arrive, with +OK keep-alives; commands still work; QUITLOOP ends it.',
  run(s) {
    s.reply(Reply.RCVLOOP);
    s.enterLoop();
  },
});

define({
  name: 'QUITLOOP', aliases: ['CLOSELOOP'], syntax: 'QUITLOOP', help: 'End the receive loop.',
  run(s) {
    if (s.inLoop) s.leaveLoop();
    s.reply(Reply.QUITLOOP);
  },
});

define({
  name: 'CDTA', aliases: ['CHKDATA', 'CHECKDATA'], privilege: 1, syntax: 'CDTA', help: 'Number of events waiting.',
  run(s) {
    s.data(String(s.client!.queued));
    s.reply(Reply.SUCCESS);
  },
});

define({
  name: 'CLRA', aliases: ['CLEARALL', 'CLRALL'], privilege: 1, syntax: 'CLRA', help: 'Discard all waiting events.',
  run(s) {
    s.client!.clear();
    s.reply(Reply.CLEARED);
  },
});

define({
  name: 'STAT', privilege: 1, syntax: 'STAT', help: 'busoff,buswarnings,overruns,rxdata,rxframes,txdata,txframes of this connection.',
  run(s) {
    const c = s.client!.counters;
    s.data(`0,0,${c.dropped.queue_full},${c.receivedData},${c.received},${c.sentData},${c.sent}`);
    s.reply(Reply.SUCCESS);
  },
});

define({
  name: 'INFO', privilege: 1, syntax: 'INFO', help: 'channel_status,lasterrorcode,lasterrorsubcode,"lasterrorstr".',
  run(s) {
    s.data('0,0,0,""');
    s.reply(Reply.SUCCESS);
  },
});

define({
  name: 'CHID', aliases: ['GETCHID'], privilege: 1, syntax: 'CHID', help: 'Client id of this connection (the obid of its events).',
  run(s) {
    s.data(String(s.client!.id));
    s.reply(Reply.SUCCESS);
  },
});

define({
  name: 'SGID', aliases: ['SETGUID'], privilege: 6, syntax: 'SGID GUID', help: 'Set the interface GUID of this connection.',
  run(s, arg) {
    if (arg === '') return s.reply(Reply.INVALID);
    try {
      s.client!.guid = parseGuid(arg);
    } catch {
      return s.reply(Reply.INVALID);
    }
    s.reply(Reply.SUCCESS);
  },
});

define({
  name: 'GGID', aliases: ['GETGUID'], privilege: 1, syntax: 'GGID', help: 'Interface GUID of this connection.',
  run(s) {
    s.data(formatGuid(s.client!.guid));
    s.reply(Reply.SUCCESS);
  },
});

define({
  name: 'VERS', aliases: ['VERSION'], login: true, syntax: 'VERS', help: 'Daemon version as major,minor,release,build.',
  run(s) {
    s.data(versionTuple(s.ctx.info.version));
    s.reply(Reply.SUCCESS);
  },
});

define({
  name: 'SFLT', aliases: ['SETFILTER'], privilege: 6, syntax: 'SFLT priority,class,type,GUID', help: 'Set the filter of incoming events.',
  run(s, arg) {
    try {
      s.setFilterHalf(parseFilterPart(arg, 'filter', true));
    } catch {
      return s.reply(Reply.INVALID);
    }
    s.reply(Reply.SUCCESS);
  },
});

define({
  name: 'SMSK', aliases: ['SETMASK'], privilege: 6, syntax: 'SMSK priority,class,type,GUID', help: 'Set the mask of incoming events.',
  run(s, arg) {
    try {
      s.setMaskHalf(parseFilterPart(arg, 'mask', true));
    } catch {
      return s.reply(Reply.INVALID);
    }
    s.reply(Reply.SUCCESS);
  },
});

define({
  name: 'WCYD', aliases: ['WHATCANYOUDO'], syntax: 'WCYD', help: 'Capability code of this server, 8 bytes MSB first.',
  run(s) {
    s.data(formatCapabilityCode(s.ctx.capabilities()));
    s.reply(Reply.SUCCESS);
  },
});

define({
  name: 'VAR', aliases: ['VARIABLE'], privilege: 4,
  syntax: 'VAR LIST|READ|READVALUE|WRITE|WRITEVALUE|READNOTE|WRITENOTE|RESET|READRESET|REMOVE|READREMOVE|LENGTH|LOAD|SAVE …',
  help: 'Daemon variables.',
  run: (s, arg) => runVar(s, arg),
});

define({
  name: 'INTERFACE', aliases: ['CLIENT'], privilege: 15, syntax: 'INTERFACE LIST', help: 'List the clients of the daemon: id,type,GUID,name.',
  run(s, arg) {
    const sub = arg.split(/\s+/)[0]!.toUpperCase();
    if (sub === 'LIST') {
      for (const c of s.ctx.bus.clients) {
        s.data(`${c.id},${INTERFACE_TYPE[c.kind]},${formatGuid(c.guid)},${c.name}|Started at ${utcText(c.startedAt)}`);
      }
      return s.reply(Reply.SUCCESS);
    }
    if (sub === 'UNIQUE' || sub === 'NORMAL' || sub === 'CLOSE') return s.reply(Reply.NOT_SUPPORTED);
    s.reply(Reply.INVALID);
  },
});

define({
  name: 'MEASUREMENT', privilege: 4, syntax: 'MEASUREMENT type,unit,sensorindex,value[,guid[,level[,string|float[,zone[,subzone]]]]]',
  help: 'Send a measurement: level 1 CLASS1.MEASUREMENT, level 2 (default) CLASS2.MEASUREMENT_FLOAT/_STR.',
  run(s, arg) {
    let event: VscpEvent;
    try {
      event = measurementEvent(arg);
    } catch {
      s.noteSendRejected();
      return s.reply(Reply.INVALID);
    }
    sendEvent(s, event);
  },
});

define({ name: 'TEST', privilege: 15, syntax: 'TEST', help: 'Does nothing; answers +OK.', run: (s) => s.reply(Reply.SUCCESS) });

define({
  name: 'SHUTDOWN', privilege: 15, syntax: 'SHUTDOWN', help: 'Stop the daemon (when the daemon allows it).',
  run(s) {
    if (!s.ctx.requestShutdown(s)) return s.reply(Reply.NOT_SUPPORTED);
    s.log.warn('Shutdown requested over TCP/IP.', { user: s.user?.name });
    s.reply(Reply.SUCCESS);
  },
});

unsupported('RESTART', 'Restart the daemon');
unsupported('DM', 'Decision matrix');
unsupported('TABLE', 'Tables');
unsupported('DRIVER', 'Driver management');
unsupported('FILE', 'File transfer');
unsupported('UDP', 'UDP interface');

/** Word (and alias) → command. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map(
  LIST.flatMap((c) => [c.name, ...c.aliases].map((w) => [w, c] as const)),
);
export const COMMAND_LIST: readonly Command[] = LIST;

// --- helpers ----------------------------------------------------------------------------------

/** `0.1.0` → `0,1,0,0`; non-numeric parts count as 0. */
export function versionTuple(version: string): string {
  const parts = version.split(/[.+-]/).slice(0, 4).map((p) => parseInt(p, 10) || 0);
  while (parts.length < 4) parts.push(0);
  return parts.join(',');
}

function utcText(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The documented MEASUREMENT form: `type,unit,sensorindex,value[,guid[,level[,eventformat[,zone[,subzone]]]]]`.
 * Level 1: CLASS1.MEASUREMENT with float (or string) coding, unit 0–3, index 0–7. Level 2
 * (default): CLASS2.MEASUREMENT_FLOAT (1060) or MEASUREMENT_STR (1040) with index, zone,
 * subzone (default 0) and unit 0–255.
 */
export function measurementEvent(arg: string): VscpEvent {
  const f = arg.split(',').map((t) => t.trim());
  if (f.length < 4 || f.length > 9) throw new Error('measurement needs type,unit,sensorindex,value');
  const type = parseVscpNumber(f[0]!, 'type', 255);
  const unit = parseVscpNumber(f[1]!, 'unit', 255);
  const index = parseVscpNumber(f[2]!, 'sensor index', 255);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(f[3]!)) throw new Error('value is no number');
  const value = Number(f[3]);
  const guid = f[4] ? parseGuid(f[4]) : zeroGuid();
  const level = f[5] ? parseVscpNumber(f[5], 'level', 2, 1) : 2;
  const format = (f[6] || 'float').toLowerCase();
  if (format !== 'float' && format !== 'string') throw new Error('format must be float or string');
  const zone = f[7] ? parseVscpNumber(f[7], 'zone', 255) : 0;
  const subzone = f[8] ? parseVscpNumber(f[8], 'subzone', 255) : 0;
  if (level === 1) {
    const data = encodeMeasurement(value, { coding: format === 'float' ? 'float' : 'string', unit, index });
    return createEvent({ vscpClass: CLASS1.MEASUREMENT, vscpType: type, guid, data });
  }
  const data = format === 'float'
    ? encodeMeasurementFloat(value, { unit, index, zone, subzone })
    : encodeMeasurementString(f[3]!, { unit, index, zone, subzone });
  return createEvent({ vscpClass: format === 'float' ? CLASS2.MEASUREMENT_FLOAT : CLASS2.MEASUREMENT_STR, vscpType: type, guid, data });
}
