import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { replay } from './transcript.js';

const dir = join(import.meta.dirname, 'transcripts');

describe('conversation transcripts (test/tcpip/transcripts)', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    it(file.replace(/\.txt$/, ''), async () => {
      await replay(join(dir, file));
    });
  }
});
