/*
 * Include patterns: `*`, `?` and `[abc]` / `[a-z]` / `[!abc]` within one path segment. A
 * wildcard never matches a leading dot (editor swap and lock files stay out), results are
 * regular files in lexical (code unit) order.
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';

export function hasGlob(segment: string): boolean {
  return /[*?[]/.test(segment);
}

/** A glob segment as an anchored regular expression. */
export function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'u');
}

export interface GlobResult {
  /** Absolute paths of matching regular files, sorted. */
  files: string[];
  /** The pattern has no wildcard: it names one file, which must exist. */
  literal: boolean;
}

/** Expands one pattern relative to `baseDir`. */
export async function expandGlob(pattern: string, baseDir: string): Promise<GlobResult> {
  const abs = isAbsolute(pattern) ? resolve(pattern) : resolve(baseDir, pattern);
  const segments = abs.split(sep);
  if (!segments.some(hasGlob)) return { files: [abs], literal: true };

  let candidates = [segments[0] === '' ? sep : segments[0]!];
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const dir of candidates) {
      if (!hasGlob(seg)) {
        next.push(join(dir, seg));
        continue;
      }
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      const re = segmentRegExp(seg);
      for (const name of names) {
        if (name.startsWith('.') && !seg.startsWith('.')) continue;
        if (re.test(name)) next.push(join(dir, name));
      }
    }
    candidates = next;
    if (!last && candidates.length > 10000) break;
  }
  const files: string[] = [];
  for (const c of candidates) {
    try {
      if ((await stat(c)).isFile()) files.push(c);
    } catch {
      // vanished or unreadable: not a match
    }
  }
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { files, literal: false };
}

/** True when an absolute `path` matches the pattern (resolved against `baseDir`), segment by segment. */
export function globMatches(pattern: string, baseDir: string, path: string): boolean {
  const abs = (isAbsolute(pattern) ? resolve(pattern) : resolve(baseDir, pattern)).split(sep);
  const parts = resolve(path).split(sep);
  if (abs.length !== parts.length) return false;
  return abs.every((seg, i) => {
    const name = parts[i]!;
    if (!hasGlob(seg)) return seg === name;
    if (name.startsWith('.') && !seg.startsWith('.')) return false;
    return segmentRegExp(seg).test(name);
  });
}
