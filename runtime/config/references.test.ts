import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { type ReferenceContext, resolveReferences } from './references.js';

function ctx(env: Record<string, string | undefined>, files: Record<string, string> = {}): ReferenceContext {
  return {
    env,
    baseDir: '/etc/vscpd',
    resolvePath: (b, p) => resolve(b, p),
    reader: {
      readFile: async (p) => (p in files ? { ok: true, text: files[p]! } : { ok: false, message: `${p} does not exist` }),
    },
  };
}

describe('references', () => {
  it('leaves text without references alone and not secret', async () => {
    expect(await resolveReferences('plain $ text {x}', ctx({}))).toEqual({ ok: true, value: 'plain $ text {x}', secret: false, files: [] });
  });

  it('resolves env references inside text, with defaults for unset or empty variables', async () => {
    const c = ctx({ HOST: 'broker', EMPTY: '' });
    expect(await resolveReferences('${env:HOST}:${env:PORT:-1883}', c)).toMatchObject({ ok: true, value: 'broker:1883', secret: true });
    expect(await resolveReferences('${env:EMPTY:-x}', c)).toMatchObject({ ok: true, value: 'x' });
    expect(await resolveReferences('${env:EMPTY}', c)).toMatchObject({ ok: true, value: '' });
    expect(await resolveReferences('${env:NOPE:-}', c)).toMatchObject({ ok: true, value: '' });
  });

  it('reads files relative to the base folder and trims one trailing newline', async () => {
    const c = ctx({}, { '/etc/vscpd/secrets/a': 'S3CRET\n\n', '/run/b': 'x\r\n' });
    expect(await resolveReferences('${file:secrets/a}', c)).toEqual({ ok: true, value: 'S3CRET\n', secret: true, files: ['/etc/vscpd/secrets/a'] });
    expect(await resolveReferences('${file:/run/b}', c)).toMatchObject({ ok: true, value: 'x' });
  });

  it('writes a literal ${ for $${', async () => {
    expect(await resolveReferences('cost $${env:X}', ctx({ X: 'no' }))).toMatchObject({ ok: true, value: 'cost ${env:X}', secret: false });
  });

  it('explains what is wrong', async () => {
    expect(await resolveReferences('${env:MISSING}', ctx({}))).toEqual({ ok: false, message: '${env:MISSING}: environment variable MISSING is not set (give a default with ${env:MISSING:-default})' });
    expect(await resolveReferences('${env:a-b}', ctx({}))).toMatchObject({ ok: false, message: expect.stringContaining('is not an environment variable name') });
    expect(await resolveReferences('${file:nope}', ctx({}))).toEqual({ ok: false, message: '${file:nope}: /etc/vscpd/nope does not exist' });
    expect(await resolveReferences('${file:}', ctx({}))).toMatchObject({ ok: false, message: expect.stringContaining('no path') });
    expect(await resolveReferences('${secret:x}', ctx({}))).toMatchObject({ ok: false, message: expect.stringContaining('unknown reference `${secret:x}`') });
    expect(await resolveReferences('a ${env:X', ctx({ X: '1' }))).toMatchObject({ ok: false, message: expect.stringContaining('unterminated reference') });
  });
});
