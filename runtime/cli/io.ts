/*
 * The command's view of the process, so tests can run commands in-process with fake streams.
 */

export interface CliOutput {
  write(text: string): void;
}

/** The part of stdin the commands use (process.stdin, or a fake in tests). */
export interface CliInput extends AsyncIterable<Buffer | string> {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeListener(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  removeListener(event: 'end', listener: () => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: CliInput;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

export function processIo(): CliIo {
  return {
    stdout: { write: (t) => void process.stdout.write(t) },
    stderr: { write: (t) => void process.stderr.write(t) },
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}
