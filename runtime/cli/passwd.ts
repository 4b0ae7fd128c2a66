/*
 * `vscpd passwd`: a `SALT;HASH` line for `[user.NAME] password`. The password comes from stdin
 * when it is not a terminal (first line), else from two prompts without echo.
 */
import { hashPasswordAsync } from '../protocol/password.js';
import { type CliCommand, EXIT_FAILURE, EXIT_OK } from './command.js';
import type { CliInput, CliIo } from './io.js';

/** Longest password read; a longer line is refused rather than cut. */
export const MAX_PASSWORD_BYTES = 4096;

/** Reads stdin to its end (bounded) and returns the first line without its line end. */
async function readFirstLine(stdin: CliInput): Promise<string | { error: string }> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const nl = text.search(/\r?\n/);
    if (nl >= 0) {
      text = text.slice(0, nl);
      break;
    }
    if (Buffer.byteLength(text) > MAX_PASSWORD_BYTES) return { error: `the password is longer than ${MAX_PASSWORD_BYTES} bytes` };
  }
  if (Buffer.byteLength(text) > MAX_PASSWORD_BYTES) return { error: `the password is longer than ${MAX_PASSWORD_BYTES} bytes` };
  return text;
}

/** Prompts on stderr and reads one line from a terminal without echo. */
function promptHidden(io: CliIo, prompt: string): Promise<string | null> {
  const stdin = io.stdin;
  io.stderr.write(prompt);
  return new Promise((resolve) => {
    let line = '';
    const finish = (value: string | null): void => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
      resolve(value);
    };
    const onEnd = (): void => finish(null);
    const onData = (chunk: Buffer | string): void => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(line);
        if (ch === '\u0003' || ch === '\u0004') return finish(null); // Ctrl-C, Ctrl-D
        if (ch === '\u007f' || ch === '\b') line = [...line].slice(0, -1).join('');
        else if (ch >= ' ') line += ch;
        if (Buffer.byteLength(line) > MAX_PASSWORD_BYTES) return finish(null);
      }
    };
    stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}

export const passwdCommand: CliCommand = {
  name: 'passwd',
  summary: 'Print a SALT;HASH line for a password (for [user.NAME] password)',
  usage: '',
  details: [
    'Reads the password from stdin when it is not a terminal (the first line), else asks twice',
    'without echo. Prints SALT;HASH (PBKDF2-HMAC-SHA256, 70000 iterations), compatible with',
    'vscpd v13 and vscp-mkpasswd. Example: printf %s "$PW" | vscpd passwd',
    'Exit status: 0 printed, 1 no password or the two entries differ, 2 usage error.',
  ].join('\n'),
  options: [],
  async run({ io }) {
    let password: string;
    if (io.stdin.isTTY) {
      const first = await promptHidden(io, 'Password: ');
      if (first === null) {
        io.stderr.write('vscpd passwd: cancelled\n');
        return EXIT_FAILURE;
      }
      const again = await promptHidden(io, 'Repeat password: ');
      if (again === null) {
        io.stderr.write('vscpd passwd: cancelled\n');
        return EXIT_FAILURE;
      }
      if (first !== again) {
        io.stderr.write('vscpd passwd: the passwords differ; nothing printed\n');
        return EXIT_FAILURE;
      }
      password = first;
    } else {
      const line = await readFirstLine(io.stdin);
      if (typeof line !== 'string') {
        io.stderr.write(`vscpd passwd: ${line.error}\n`);
        return EXIT_FAILURE;
      }
      password = line;
    }
    if (password === '') {
      io.stderr.write('vscpd passwd: empty password; nothing printed\n');
      return EXIT_FAILURE;
    }
    io.stdout.write(`${await hashPasswordAsync(password)}\n`);
    return EXIT_OK;
  },
};
