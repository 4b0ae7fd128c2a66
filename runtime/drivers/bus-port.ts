/*
 * What the driver host needs from the event bus. runtime/bus's Bus satisfies it; keeping the
 * port small lets the host be tested with a fake bus.
 */
import type { Guid, VscpEvent, VscpFilter } from '../protocol/index.js';

export interface DriverBusClient {
  readonly id: number;
  /** The interface GUID: the configured one, or the daemon GUID with the client id. */
  readonly guid: Guid;
  /** false: nothing is queued for this client (a driver without receive()). */
  readonly receives: boolean;
  readonly queued: number;
  send(event: VscpEvent): 'ok' | 'closed';
  take(): VscpEvent | undefined;
  close(): void;
}

export interface DriverBus {
  addClient(options: {
    name: string;
    kind: 'level2-driver';
    queueSize?: number;
    receives?: boolean;
    filter?: VscpFilter;
    guid?: Guid;
    onReadable?: () => void;
  }): DriverBusClient;
  /** Switches delivery to a client on or off (a driver's instance may or may not have receive()). */
  setReceives?(client: DriverBusClient, receives: boolean): void;
}
