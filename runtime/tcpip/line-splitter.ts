/*
 * Splits a byte stream into lines at LF (a CR before it is dropped), never holding more than
 * `maxLineBytes` of an unfinished line. Used by the server for commands and by the client for
 * replies: both treat the other side's bytes as hostile.
 */

export class LineTooLongError extends Error {
  override name = 'LineTooLongError';
  constructor(readonly limit: number) {
    super(`line longer than ${limit} bytes`);
  }
}

const LF = 10;
const CR = 13;

export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;

  constructor(readonly maxLineBytes: number) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) throw new RangeError(`line limit must be ≥ 1, got ${maxLineBytes}`);
  }

  /** Bytes of the unfinished line held now. */
  get pending(): number {
    return this.partBytes;
  }

  /**
   * Feeds a chunk and returns the complete lines in it (UTF-8 decoded, without the line end).
   * Throws LineTooLongError when a line exceeds the limit (use pushInto to keep the lines
   * that came before it).
   */
  push(chunk: Buffer): string[] {
    const out: string[] = [];
    this.pushInto(chunk, out);
    return out;
  }

  /**
   * Appends the complete lines of `chunk` to `out`. On an over-long line the lines before it
   * are already in `out` when LineTooLongError is thrown; the splitter is then unusable.
   */
  pushInto(chunk: Buffer, out: string[]): void {
    const max = this.maxLineBytes;
    let start = 0;
    let nl = chunk.indexOf(LF);
    if (this.partBytes > 0) {
      if (nl < 0) {
        this.keep(chunk, 0);
        return;
      }
      this.parts.push(chunk.subarray(0, nl));
      const total = this.partBytes + nl;
      const whole = Buffer.concat(this.parts, total);
      this.parts = [];
      this.partBytes = 0;
      if (lineLength(whole, 0, total) > max) throw new LineTooLongError(max);
      out.push(decode(whole, 0, total));
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }
    while (nl >= 0) {
      if (lineLength(chunk, start, nl) > max) throw new LineTooLongError(max);
      out.push(decode(chunk, start, nl));
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) this.keep(chunk, start);
  }

  /** Drops an unfinished line. */
  reset(): void {
    this.parts = [];
    this.partBytes = 0;
  }

  private keep(chunk: Buffer, from: number): void {
    const n = chunk.length - from;
    // the CR of a CRLF split across chunks may still come; allow one byte for it
    if (this.partBytes + n > this.maxLineBytes + 1) throw new LineTooLongError(this.maxLineBytes);
    // copy, so a small tail does not pin a whole 64 KiB socket chunk
    this.parts.push(Buffer.from(chunk.subarray(from)));
    this.partBytes += n;
  }
}

function lineLength(buf: Buffer, start: number, end: number): number {
  return end > start && buf[end - 1] === CR ? end - start - 1 : end - start;
}

function decode(buf: Buffer, start: number, end: number): string {
  if (end > start && buf[end - 1] === CR) end--;
  return buf.toString('utf8', start, end);
}
