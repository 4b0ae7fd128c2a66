/*
 * `${env:NAME}`, `${env:NAME:-default}` and `${file:path}` inside values. A value that holds a
 * reference is secret as a whole: it is never printed, logged or put into an error message.
 * `$${` writes a literal `${`.
 */

export interface ReferenceReader {
  /** Reads a referenced file (absolute path): its text, or why it cannot be read. */
  readFile(path: string): Promise<{ ok: true; text: string } | { ok: false; message: string }>;
}

export interface ReferenceContext {
  env: Readonly<Record<string, string | undefined>>;
  /** Folder that relative `${file:…}` paths are resolved against. */
  baseDir: string;
  reader: ReferenceReader;
  resolvePath(baseDir: string, path: string): string;
}

export type ResolvedValue =
  | { ok: true; value: string; secret: boolean; files: string[] }
  | { ok: false; message: string };

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FORMS = '${env:NAME}, ${env:NAME:-default} or ${file:path} ($${ for a literal ${)';

export async function resolveReferences(text: string, ctx: ReferenceContext): Promise<ResolvedValue> {
  if (!text.includes('${')) return { ok: true, value: text, secret: false, files: [] };
  let out = '';
  let secret = false;
  const files: string[] = [];
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('${', i);
    if (at < 0) {
      out += text.slice(i);
      break;
    }
    if (at > 0 && text[at - 1] === '$') {
      // `$${` → literal `${`
      out += text.slice(i, at - 1) + '${';
      i = at + 2;
      continue;
    }
    out += text.slice(i, at);
    const close = text.indexOf('}', at + 2);
    if (close < 0) return { ok: false, message: `unterminated reference: \`\${\` without \`}\`; use ${FORMS}` };
    const body = text.slice(at + 2, close);
    i = close + 1;
    if (body.startsWith('env:')) {
      const spec = body.slice(4);
      const dflt = spec.indexOf(':-');
      const name = (dflt >= 0 ? spec.slice(0, dflt) : spec).trim();
      if (!ENV_NAME_RE.test(name)) return { ok: false, message: `\${env:${name}}: "${name}" is not an environment variable name (letters, digits, _)` };
      const value = ctx.env[name];
      if (dflt >= 0) {
        out += value === undefined || value === '' ? spec.slice(dflt + 2) : value;
      } else {
        if (value === undefined) return { ok: false, message: `\${env:${name}}: environment variable ${name} is not set (give a default with \${env:${name}:-default})` };
        out += value;
      }
      secret = true;
    } else if (body.startsWith('file:')) {
      const rel = body.slice(5).trim();
      if (rel === '') return { ok: false, message: '${file:}: no path; use ${file:path/to/file}' };
      const path = ctx.resolvePath(ctx.baseDir, rel);
      const r = await ctx.reader.readFile(path);
      if (!r.ok) return { ok: false, message: `\${file:${rel}}: ${r.message}` };
      out += r.text.replace(/\r?\n$/, '');
      files.push(path);
      secret = true;
    } else {
      return { ok: false, message: `unknown reference \`\${${body.length > 30 ? body.slice(0, 30) + '…' : body}}\`; use ${FORMS}` };
    }
  }
  return { ok: true, value: out, secret, files };
}
