/*
 * Measurement values of a simulated node: the original's built-in temperature series, or a
 * data file with one value per line, sent round robin.
 */
import { promises as fsp } from 'node:fs';

/** The original driver's table (96 values; its terminating 0.0 is not a value). */
export const BUILTIN_SERIES: readonly number[] = [
  20.92, 20.10, 20.00, 20.20, 20.10, 20.20, 20.40, 20.60, 20.50, 20.60, 20.80, 21.00, 21.30, 21.60, 21.50, 21.30,
  21.70, 21.90, 22.10, 23.20, 23.30, 23.40, 23.20, 23.30, 23.10, 23.91, 24.52, 25.13, 26.37, 27.87, 29.45, 29.57,
  29.91, 30.22, 30.33, 30.54, 30.67, 30.60, 30.45, 30.54, 30.33, 30.44, 30.39, 30.20, 29.92, 29.91, 29.76, 29.77,
  29.61, 29.50, 29.44, 29.20, 28.77, 28.45, 28.20, 28.49, 27.99, 28.25, 27.87, 27.30, 26.67, 25.34, 25.27, 25.19,
  24.11, 24.02, 23.87, 23.45, 23.21, 23.28, 23.01, 22.78, 22.55, 22.43, 22.36, 21.67, 21.33, 21.12, 20.78, 20.67,
  20.54, 20.51, 20.49, 20.45, 20.41, 20.37, 20.34, 20.29, 20.21, 20.15, 20.11, 20.09, 20.01, 20.00, 19.82, 19.43,
];

/** Largest data file read; a series this long is plenty for any simulation. */
export const MAX_SERIES_FILE_BYTES = 4 * 1024 * 1024;

const NUMBER_PREFIX = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

/**
 * Parses a data file (Z11): one value per line, the first `,` read as the decimal point, the
 * leading number of the line used (as C's strtod did). An empty or unreadable line repeats the
 * previous value; such lines before the first value, and lines starting with `#`, are skipped.
 */
export function parseSeries(text: string): number[] {
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop(); // the last line's own newline
  const values: number[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    const m = NUMBER_PREFIX.exec(line.replace(',', '.'));
    const v = m ? Number(m[0]) : Number.NaN;
    if (Number.isFinite(v)) values.push(v);
    else if (values.length) values.push(values[values.length - 1]!);
  }
  return values;
}

/** Reads and parses a data file; throws `read /path: …` when it cannot be used. */
export async function readSeriesFile(path: string): Promise<number[]> {
  let text: string;
  try {
    const st = await fsp.stat(path);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EINVAL' });
    if (st.size > MAX_SERIES_FILE_BYTES) throw new Error(`the file has ${st.size} bytes, at most ${MAX_SERIES_FILE_BYTES} are read`);
    text = await fsp.readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const cut = err.code && err.message.indexOf(', ') > 0 ? err.message.slice(0, err.message.indexOf(', ')) : err.message;
    throw new Error(`read ${path}: ${cut}`);
  }
  const values = parseSeries(text);
  if (values.length === 0) throw new Error(`read ${path}: no values in the file (one number per line)`);
  return values;
}
