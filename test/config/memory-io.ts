/*
 * A CliIo in memory: captured stdout/stderr and a scripted stdin, so `vscpd` commands run
 * in-process in tests.
 */
import { EventEmitter } from 'node:events';
import type { CliInput, CliIo } from '../../runtime/cli/io.js';

export interface MemoryIo extends CliIo {
  out(): string;
  err(): string;
}

class ScriptedInput extends EventEmitter implements CliInput {
  readonly isTTY: boolean;
  rawMode = false;
  private readonly chunks: string[];
  constructor(chunks: string[], isTTY: boolean) {
    super();
    this.chunks = chunks;
    this.isTTY = isTTY;
  }
  setRawMode(mode: boolean): this {
    this.rawMode = mode;
    return this;
  }
  private flowing = false;
  resume(): this {
    // Deliver the scripted keystrokes one chunk per tick while flowing, then end.
    if (this.flowing) return this;
    this.flowing = true;
    const next = (): void => {
      if (!this.flowing) return;
      const c = this.chunks.shift();
      if (c === undefined) {
        this.flowing = false;
        this.emit('end');
        return;
      }
      this.emit('data', Buffer.from(c));
      setImmediate(next);
    };
    setImmediate(next);
    return this;
  }
  pause(): this {
    this.flowing = false;
    return this;
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    while (this.chunks.length) yield Buffer.from(this.chunks.shift()!);
  }
}

export function memoryIo(options: { env?: Record<string, string | undefined>; cwd?: string; stdin?: string[]; tty?: boolean } = {}): MemoryIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t) => { out += t; } },
    stderr: { write: (t) => { err += t; } },
    stdin: new ScriptedInput(options.stdin ?? [], options.tty ?? false),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    out: () => out,
    err: () => err,
  };
}
