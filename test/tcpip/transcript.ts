/*
 * Replays a conversation transcript against a harness server, byte for byte.
 *
 *   # comment
 *   @settings variableEncoding=plain keepaliveIntervalMs=300      (TcpipSettings overrides)
 *   @variables [{"name": "X", "type": 7, "value": "0,20,3,,,,-,1"}]  (declared variables, JSON)
 *   @users [{"name": "ops", "password": "pw", "privilege": 4}]     (in addition to the default users)
 *   > text            send text + CRLF on connection a
 *   b: > text         … on connection b (opened when first named)
 *   >> text           collect; consecutive >> lines go out in ONE write (pipelining)
 *   < text            the next line must be exactly this (CRLF-terminated)
 *   <~ text           the same, after skipping `+OK` keep-alive lines
 *   <<                the server closes the connection now (nothing more arrives)
 *
 * Placeholders in expected lines: <ts> <n> (digits), <datetime> (YYYY-MM-DDTHH:MM:SSZ),
 * <stamp> (YYYY-MM-DDTHH:MM:SS), <hex32>, <b64>, <any>.
 * At the end every open connection must have sent nothing unexpected: a NOOP is sent and
 * only keep-alives may come before its `+OK - Success.`.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { DeclaredVariable, TcpipSettings } from '../../runtime/config/types.js';
import { DEFAULT_USERS, type HarnessUser, type RawConnection, type TcpipHarness, startTcpipHarness } from '../support/tcpip-harness.js';

const PLACEHOLDERS: Record<string, string> = {
  '<ts>': '\\d+',
  '<n>': '\\d+',
  '<datetime>': '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ',
  '<stamp>': '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d',
  '<hex32>': '[0-9a-f]{32}',
  '<b64>': '[A-Za-z0-9+/=]*',
  '<any>': '.*',
};

export function linePattern(expected: string): RegExp {
  let re = '';
  let rest = expected;
  while (rest.length) {
    const m = /<(ts|n|datetime|stamp|hex32|b64|any)>/.exec(rest);
    if (!m) {
      re += escape(rest);
      break;
    }
    re += escape(rest.slice(0, m.index)) + PLACEHOLDERS[m[0]]!;
    rest = rest.slice(m.index + m[0].length);
  }
  return new RegExp(`^${re}$`);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Step {
  line: number;
  conn: string;
  op: '>' | '>>' | '<' | '<~' | '<<';
  text: string;
}

export interface Transcript {
  settings: Partial<TcpipSettings>;
  variables: Partial<DeclaredVariable>[];
  users: HarnessUser[];
  steps: Step[];
}

export function parseTranscript(file: string): Transcript {
  const t: Transcript = { settings: {}, variables: [], users: [...DEFAULT_USERS], steps: [] };
  readFileSync(file, 'utf8').split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) return;
    if (line.startsWith('@settings ')) {
      for (const kv of line.slice(10).trim().split(/\s+/)) {
        const [k, v] = kv.split('=') as [string, string];
        (t.settings as Record<string, unknown>)[k] = /^\d+$/.test(v) ? Number(v) : v;
      }
      return;
    }
    if (line.startsWith('@variables ')) {
      t.variables.push(...(JSON.parse(line.slice(11)) as Partial<DeclaredVariable>[]));
      return;
    }
    if (line.startsWith('@users ')) {
      t.users.push(...(JSON.parse(line.slice(7)) as HarnessUser[]));
      return;
    }
    const m = /^(?:(\w+):\s*)?(>>|>|<~|<<|<)(?: (.*))?$/.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: cannot read "${line}"`);
    t.steps.push({ line: i + 1, conn: m[1] ?? 'a', op: m[2] as Step['op'], text: m[3] ?? '' });
  });
  return t;
}

export async function replay(file: string): Promise<TcpipHarness> {
  const t = parseTranscript(file);
  const h = await startTcpipHarness({ settings: t.settings, variables: t.variables, users: t.users });
  const conns = new Map<string, RawConnection>();
  const batch = new Map<string, string>();
  const conn = async (name: string): Promise<RawConnection> => {
    let c = conns.get(name);
    if (!c) {
      c = await h.raw();
      conns.set(name, c);
    }
    return c;
  };
  const flush = async (): Promise<void> => {
    for (const [name, text] of batch) (await conn(name)).write(text);
    batch.clear();
  };
  for (const step of t.steps) {
    const where = `${file}:${step.line}`;
    if (step.op !== '>>') await flush();
    const c = await conn(step.conn);
    switch (step.op) {
      case '>>':
        batch.set(step.conn, (batch.get(step.conn) ?? '') + step.text + '\r\n');
        break;
      case '>':
        c.send(step.text);
        break;
      case '<':
      case '<~': {
        let got = await c.line().catch((e: Error) => { throw new Error(`${where}: expected "${step.text}": ${e.message}`); });
        while (step.op === '<~' && got === '+OK' && step.text !== '+OK') got = await c.line();
        expect(got, `${where}`).toMatch(linePattern(step.text));
        break;
      }
      case '<<': {
        const rest = await c.waitClosed().catch((e: Error) => { throw new Error(`${where}: expected the server to close: ${e.message}`); });
        expect(rest, `${where}: data before the close`).toBe('');
        break;
      }
    }
  }
  await flush();
  for (const [name, c] of conns) {
    if (!c.isOpen) continue;
    c.send('NOOP');
    const seen = await c.until((l) => l === '+OK - Success.').catch((e: Error) => { throw new Error(`${file}: connection ${name} at the end: ${e.message}`); });
    expect(seen.slice(0, -1).filter((l) => l !== '+OK'), `${file}: unexpected lines on connection ${name}`).toEqual([]);
  }
  return h;
}
