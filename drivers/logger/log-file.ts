/*
 * One open log file. Text and JSON Lines files are opened for appending, so a `copytruncate`
 * by logrotate simply continues at the new end. An XML file must stay a valid document at every
 * moment: it is written at a known position, each batch followed by the closing tag, which the
 * next batch overwrites. Opening an existing XML file finds that position again, and repairs a
 * file whose end was torn by a crash.
 */
import { constants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { XML_FOOTER, XML_HEADER } from './formats.js';

const FOOTER = Buffer.from(XML_FOOTER);
const HEADER = Buffer.from(XML_HEADER);
const TAIL_WINDOW = 64 * 1024;

/** `ENOSPC: no space left on device` from Node's `ENOSPC: no space left on device, write`. */
export function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && typeof err.message === 'string') {
    const cut = err.message.indexOf(', ');
    return cut > 0 ? err.message.slice(0, cut) : err.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/** A failed file operation; the message reads `write /path: ENOSPC: no space left on device`. */
export class LogFileError extends Error {
  override name = 'LogFileError';
  readonly code: string | undefined;
  constructor(operation: string, path: string, cause: unknown) {
    super(`${operation} ${path}: ${errorText(cause)}`);
    this.code = (cause as NodeJS.ErrnoException)?.code;
  }
}

export type RotationState = 'same' | 'gone' | 'replaced' | 'truncated';

export interface OpenResult {
  file: LogFile;
  /** Bytes of a torn XML event removed from the end of the file, 0 when nothing was repaired. */
  repairedBytes: number;
}

export class LogFile {
  /** Unwritten bytes of the last batch (a write failed part way); written first next time. */
  carry: Buffer | null = null;

  private constructor(
    readonly path: string,
    readonly xml: boolean,
    private handle: FileHandle | null,
    private dev: number,
    private ino: number,
    private regular: boolean,
    /** Append: bytes in the file. XML: where the closing tag starts (content end). */
    public size: number,
  ) {}

  static async open(path: string, xml: boolean, truncate: boolean): Promise<OpenResult> {
    const flags = xml
      ? constants.O_RDWR | constants.O_CREAT
      : constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;
    let handle: FileHandle;
    try {
      handle = await fsp.open(path, flags, 0o644);
    } catch (e) {
      throw new LogFileError('open', path, e);
    }
    try {
      const st = await handle.stat().catch((e: unknown) => { throw new LogFileError('stat', path, e); });
      const regular = st.isFile();
      let size = regular ? st.size : 0;
      if (truncate && regular && size > 0) {
        await handle.truncate(0).catch((e: unknown) => { throw new LogFileError('truncate', path, e); });
        size = 0;
      }
      let repairedBytes = 0;
      if (xml) {
        const end = size === 0 ? null : await findXmlEnd(handle, path, size);
        let pos: number;
        if (end === null) {
          await writeAll(handle, HEADER, 0, path);
          pos = HEADER.length;
        } else {
          pos = end.position;
          repairedBytes = end.torn ? size - pos : 0;
        }
        // Leaves exactly content + closing tag, whatever followed before.
        await writeAll(handle, FOOTER, pos, path);
        if (regular) await handle.truncate(pos + FOOTER.length).catch((e: unknown) => { throw new LogFileError('truncate', path, e); });
        size = pos;
      }
      return { file: new LogFile(path, xml, handle, st.dev, st.ino, regular, size), repairedBytes };
    } catch (e) {
      await handle.close().catch(() => undefined);
      throw e;
    }
  }

  /**
   * Writes `content` after any carried bytes. On failure the unwritten rest stays in `carry`
   * (the file keeps every complete byte written so far) and the error is thrown.
   */
  async write(content: Buffer): Promise<void> {
    const handle = this.handle;
    if (!handle) throw new LogFileError('write', this.path, new Error('the file is closed'));
    const body = this.carry ? (content.length ? Buffer.concat([this.carry, content]) : this.carry) : content;
    const buf = this.xml ? Buffer.concat([body, FOOTER]) : body;
    const start = this.size;
    let done = 0;
    try {
      while (done < buf.length) {
        const { bytesWritten } = await handle.write(buf, done, buf.length - done, this.xml ? start + done : null);
        if (bytesWritten <= 0) throw Object.assign(new Error('EIO: the write made no progress'), { code: 'EIO' });
        done += bytesWritten;
      }
    } catch (e) {
      const kept = Math.min(done, body.length);
      this.size = start + kept;
      this.carry = kept < body.length ? Buffer.from(body.subarray(kept)) : null;
      throw new LogFileError('write', this.path, e);
    }
    this.size = start + body.length;
    this.carry = null;
  }

  /** Whether the path still names this file, and whether someone truncated it (copytruncate). */
  async rotationState(): Promise<RotationState> {
    let st;
    try {
      st = await fsp.stat(this.path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return 'gone';
      throw new LogFileError('stat', this.path, e);
    }
    if (st.ino !== this.ino || st.dev !== this.dev) return 'replaced';
    if (!this.regular || !this.handle) return 'same';
    const own = await this.handle.stat().catch((e: unknown) => { throw new LogFileError('stat', this.path, e); });
    const expected = this.size + (this.xml ? FOOTER.length : 0);
    if (own.size < expected) {
      if (!this.xml) this.size = own.size;
      return 'truncated';
    }
    return 'same';
  }

  /** Size rotation: `path.(keep-1)` → `path.keep`, …, `path` → `path.1`. The file stays open; close it next. */
  async rotate(keep: number): Promise<void> {
    for (let k = keep - 1; k >= 1; k--) {
      try {
        await fsp.rename(`${this.path}.${k}`, `${this.path}.${k + 1}`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new LogFileError('rotate', `${this.path}.${k}`, e);
      }
    }
    try {
      await fsp.rename(this.path, `${this.path}.1`);
    } catch (e) {
      throw new LogFileError('rotate', this.path, e);
    }
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h) await h.close().catch(() => undefined);
  }
}

async function writeAll(handle: FileHandle, buf: Buffer, position: number, path: string): Promise<void> {
  let done = 0;
  try {
    while (done < buf.length) {
      const { bytesWritten } = await handle.write(buf, done, buf.length - done, position + done);
      if (bytesWritten <= 0) throw Object.assign(new Error('EIO: the write made no progress'), { code: 'EIO' });
      done += bytesWritten;
    }
  } catch (e) {
    throw new LogFileError('write', path, e);
  }
}

async function readAt(handle: FileHandle, position: number, length: number, path: string): Promise<string> {
  const buf = Buffer.alloc(length);
  let got = 0;
  try {
    while (got < length) {
      const { bytesRead } = await handle.read(buf, got, length - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
  } catch (e) {
    throw new LogFileError('read', path, e);
  }
  return buf.subarray(0, got).toString('latin1');
}

const XML_START_RE = /^\s*(<\?xml[^>]*\?>\s*)?<vscprxdata>/;

/**
 * Where the next event goes in an existing XML log: before its closing tag, or after its last
 * complete event when a crash left no closing tag (`torn`). Throws for a file that is not a
 * VSCP Works log, rather than writing XML into someone's text file.
 */
async function findXmlEnd(handle: FileHandle, path: string, size: number): Promise<{ position: number; torn: boolean }> {
  const head = await readAt(handle, 0, Math.min(size, 512), path);
  if (!XML_START_RE.test(head)) {
    throw new LogFileError('open', path, new Error(
      'the file is not a VSCP Works XML log (it does not start with <?xml …?><vscprxdata>); move it away, or set rewrite = true'));
  }
  const start = Math.max(0, size - TAIL_WINDOW);
  const tail = await readAt(handle, start, size - start, path);
  const close = tail.lastIndexOf('</vscprxdata>');
  if (close >= 0 && tail.slice(close + '</vscprxdata>'.length).trim() === '') return { position: start + close, torn: false };
  const lastEvent = tail.lastIndexOf('</event>');
  if (lastEvent >= 0) {
    let pos = lastEvent + '</event>'.length;
    if (tail[pos] === '\r') pos++;
    if (tail[pos] === '\n') pos++;
    return { position: start + pos, torn: true };
  }
  if (start === 0) {
    const m = XML_START_RE.exec(tail)!;
    let pos = m.index + m[0].length;
    if (tail[pos] === '\r') pos++;
    if (tail[pos] === '\n') pos++;
    return { position: pos, torn: pos !== size };
  }
  throw new LogFileError('open', path, new Error(
    `the last ${TAIL_WINDOW} bytes hold no complete <event>; the file cannot be continued as XML; move it away, or set rewrite = true`));
}
