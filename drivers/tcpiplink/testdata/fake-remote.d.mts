import type { Socket } from 'node:net';

export interface FakeConnection {
  index: number;
  /** What CHID answers on this connection. */
  chid: number;
  /** Every line the client sent (trimmed, without CRLF). */
  lines: string[];
  inLoop: boolean;
  closed: boolean;
  socket: Socket;
  write(text: string): void;
}

export interface FakeRemoteOptions {
  port?: number;
  /** CHID of the first connection; later ones count up. Default 40. */
  firstChid?: number;
  /** `+OK` keep-alives in RCVLOOP every this many ms; 0 (default): silent. */
  keepaliveMs?: number;
  /** A reply (lines, CRLF added) instead of the default; '' = no reply; null/undefined = default. */
  reply?: (conn: FakeConnection, line: string) => string | null | undefined;
  /** true: close the connection at once, without a banner. */
  refuseConnections?: (conn: FakeConnection) => boolean;
}

export interface FakeRemote {
  port: number;
  connections: FakeConnection[];
  loops(): FakeConnection[];
  push(line: string): void;
  sent(): string[];
  waitFor<T>(check: () => T | undefined | null | false, what?: string, timeoutMs?: number): Promise<T>;
  dropAll(): void;
  close(): Promise<void>;
}

export function startFakeRemote(options?: FakeRemoteOptions): Promise<FakeRemote>;
