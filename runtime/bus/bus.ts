/*
 * The event bus: every TCP/IP session, driver and the daemon itself is a client with an id.
 * An event a client sends is completed with what the daemon owns (obid, time, interface GUID)
 * and copied synchronously into the bounded queue of every other client whose filter accepts
 * it. A full queue drops for that client only and counts the drop; nothing ever blocks, so a
 * slow client can never slow down or stop the others.
 *
 * The event object is shared by every receiver: the bus takes ownership on send, and nobody
 * may change an event after sending it or after taking it from a queue. Parts of it may be
 * shared further (the filled-in date/time object of a second, the sender's interface GUID):
 * copy an event (cloneEvent) before changing it.
 */
import {
  type Guid, type VscpDateTime, type VscpEvent, type VscpFilter,
  GUID_SIZE, dateTimeFromDate, filterAccepts, formatGuid, isOpenFilter, isZeroGuidExceptNickname, timestampFromMs,
} from '../protocol/index.js';
import { silentLogger, type Logger } from '../support/log.js';
import { BoundedQueue } from './queue.js';

/** v13 INTERFACE LIST type numbers (clientlist.h): 1 internal, 3 Level II driver, 5 TCP/IP. */
export type BusClientKind = 'internal' | 'level2-driver' | 'tcpip';

export const INTERFACE_TYPE: Readonly<Record<BusClientKind, number>> = {
  internal: 1,
  'level2-driver': 3,
  tcpip: 5,
};

/**
 * Why an event did not reach a client: its queue was full, it was discarded on request
 * (CLRA, driver reset), or it was still queued when the client closed.
 */
export type DropReason = 'queue_full' | 'cleared' | 'closed';
export const DROP_REASONS: readonly DropReason[] = ['queue_full', 'cleared', 'closed'];

/** Seen from the daemon: `received` from the client, `sent` to the client. */
export interface ClientCounters {
  /** Events the client handed to the bus. */
  received: number;
  /** Data bytes of those events. */
  receivedData: number;
  /** Events put into the client's queue. */
  queued: number;
  /** Events its consumer took from the queue (written to the socket, given to the driver). */
  sent: number;
  /** Data bytes of those events. */
  sentData: number;
  /** Events its filter (or Level I routing) kept away from it; not a loss. */
  filtered: number;
  dropped: Record<DropReason, number>;
}

export interface BusTotals extends ClientCounters {
  /** Clients connected now. */
  clients: number;
  /** Clients ever connected. */
  clientsTotal: number;
}

export interface BusClientOptions {
  name: string;
  kind: BusClientKind;
  /** Queue limit in events; default: the bus's defaultQueueSize (client_buffer_size). */
  queueSize?: number;
  /** false: the client only sends; it has no queue and nothing is delivered to it. Default true. */
  receives?: boolean;
  /** null or absent: accept everything. */
  filter?: VscpFilter | null;
  /** Explicit interface GUID (a driver's configured one); default daemon GUID + client id. */
  guid?: Guid | null;
  /** Client id wanted (v13: bytes 12–13 of a driver's GUID); taken or out of range → error. */
  requestedId?: number;
  /** Called when the queue goes from empty to non-empty (synchronously, inside send). */
  onReadable?: ((client: BusClient) => void) | null;
}

export interface BusOptions {
  daemonGuid: Guid;
  /** client_buffer_size */
  defaultQueueSize: number;
  log?: Logger;
  /** Clock for filled-in timestamps (tests). */
  now?: () => number;
}

/**
 * What a queue holds: the shared event and a slot its consumers may fill with the event's
 * wire text, so that a line sent to fifty TCP/IP sessions is formatted once. One record per
 * event, not per receiver.
 */
export interface Delivery {
  readonly event: VscpEvent;
  text: string | undefined;
}

export class BusError extends Error {
  override name = 'BusError';
}

const MAX_CLIENT_ID = 0xffff;

function newCounters(): ClientCounters {
  return { received: 0, receivedData: 0, queued: 0, sent: 0, sentData: 0, filtered: 0, dropped: { queue_full: 0, cleared: 0, closed: 0 } };
}

export class Bus {
  readonly daemonGuid: Guid;
  readonly defaultQueueSize: number;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly byId = new Map<number, BusClient>();
  /** Copy-on-write snapshots, so sending while a client joins or leaves is safe. */
  private all: readonly BusClient[] = [];
  private receivers: readonly BusClient[] = [];
  private nextId = 1;
  private clientsTotal = 0;
  /** Counters of every client, including closed ones (monotonic, for metrics). */
  private readonly totalCounters = newCounters();
  /** The date/time filled in during the current second, shared by its events (read-only). */
  private stampSecond = -1;
  private stampDateTime: VscpDateTime | null = null;

  constructor(options: BusOptions) {
    if (options.daemonGuid.length !== GUID_SIZE) throw new BusError(`daemon GUID must have 16 bytes, got ${options.daemonGuid.length}`);
    if (!Number.isInteger(options.defaultQueueSize) || options.defaultQueueSize < 1) {
      throw new BusError(`default queue size must be a whole number ≥ 1, got ${options.defaultQueueSize}`);
    }
    this.daemonGuid = Uint8Array.from(options.daemonGuid);
    this.defaultQueueSize = options.defaultQueueSize;
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? Date.now;
  }

  addClient(options: BusClientOptions): BusClient {
    const id = this.allocateId(options.requestedId, options.name);
    const client = new BusClient(this, id, options, this.totalCounters);
    this.byId.set(id, client);
    this.clientsTotal++;
    this.rebuild();
    return client;
  }

  get clients(): readonly BusClient[] {
    return this.all;
  }

  client(id: number): BusClient | undefined {
    return this.byId.get(id);
  }

  /** The v13 interface GUID of a client id: daemon GUID, bytes 12–13 = id, 14–15 = 0. */
  interfaceGuid(id: number): Guid {
    const g = Uint8Array.from(this.daemonGuid);
    g[12] = (id >> 8) & 0xff;
    g[13] = id & 0xff;
    g[14] = 0;
    g[15] = 0;
    return g;
  }

  totals(): BusTotals {
    const t = this.totalCounters;
    return { ...t, dropped: { ...t.dropped }, clients: this.all.length, clientsTotal: this.clientsTotal };
  }

  /** @internal */
  detach(client: BusClient): void {
    if (this.byId.get(client.id) !== client) return;
    this.byId.delete(client.id);
    this.rebuild();
  }

  private rebuild(): void {
    const all = [...this.byId.values()].sort((a, b) => a.id - b.id);
    this.all = all;
    this.receivers = all.filter((c) => c.receives);
  }

  /** @internal Completes `event` for its sender and fans it out. */
  dispatch(sender: BusClient, event: VscpEvent): void {
    event.obid = sender.id;
    if (event.timestamp === 0 || event.dateTime === null) {
      const now = this.now();
      if (event.timestamp === 0) event.timestamp = timestampFromMs(now);
      if (event.dateTime === null) event.dateTime = this.dateTimeAt(now);
    }
    if (isZeroGuidExceptNickname(event.guid)) {
      const nickHi = event.guid[14]!;
      const nickLo = event.guid[15]!;
      if (nickHi === 0 && nickLo === 0 && sender.guid[14] === 0 && sender.guid[15] === 0) {
        // the interface GUID itself: shared, not copied (a client's GUID array never changes;
        // SGID gives it a new one)
        event.guid = sender.guid;
      } else {
        const g = Uint8Array.from(sender.guid);
        g[14] = nickHi;
        g[15] = nickLo;
        event.guid = g;
      }
    }
    const receivers = this.receivers;
    const n = receivers.length;
    const vscpClass = event.vscpClass;
    const delivery: Delivery = { event, text: undefined };
    // Level I over Level II: data[0..15] names the destination interface (bytes 14–15 are the
    // node's nickname, not part of the interface); only that interface gets it, if it exists.
    if (vscpClass >= 512 && vscpClass <= 1023 && event.data.length >= 16) {
      const target = this.routeTarget(sender, event.data);
      if (target) {
        for (let i = 0; i < n; i++) {
          const c = receivers[i]!;
          if (c === target) c.offer(delivery);
          else if (c !== sender) c.noteFiltered();
        }
        return;
      }
    }
    for (let i = 0; i < n; i++) {
      const c = receivers[i]!;
      if (c !== sender) c.offer(delivery);
    }
  }

  private dateTimeAt(nowMs: number): VscpDateTime {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.stampSecond || this.stampDateTime === null) {
      this.stampSecond = second;
      this.stampDateTime = Object.freeze(dateTimeFromDate(new Date(nowMs)));
    }
    return this.stampDateTime;
  }

  private routeTarget(sender: BusClient, data: Uint8Array): BusClient | undefined {
    const receivers = this.receivers;
    outer: for (let i = 0; i < receivers.length; i++) {
      const c = receivers[i]!;
      if (c === sender) continue;
      const g = c.guid;
      for (let b = 0; b < 14; b++) if (g[b] !== data[b]) continue outer;
      return c;
    }
    return undefined;
  }

  /** @internal */
  reportConsumerError(client: BusClient, error: unknown): void {
    this.log.error('Bus client consumer failed.', { client: client.name, id: client.id, error: (error as Error)?.message ?? String(error) });
  }

  private allocateId(requested: number | undefined, name: string): number {
    if (requested !== undefined && requested !== 0) {
      if (!Number.isInteger(requested) || requested < 1 || requested > MAX_CLIENT_ID) {
        throw new BusError(`client ${name}: requested id ${requested} is out of range 1..${MAX_CLIENT_ID}`);
      }
      const holder = this.byId.get(requested);
      if (holder) throw new BusError(`client ${name}: id ${requested} is taken by ${holder.name}`);
      return requested;
    }
    if (this.byId.size >= MAX_CLIENT_ID) throw new BusError(`client ${name}: all ${MAX_CLIENT_ID} client ids are in use`);
    // Ids are handed out round-robin, so a fresh client does not inherit the id (and obid)
    // of one that just left.
    for (;;) {
      const id = this.nextId;
      this.nextId = id >= MAX_CLIENT_ID ? 1 : id + 1;
      if (!this.byId.has(id)) return id;
    }
  }
}

export class BusClient {
  readonly id: number;
  readonly name: string;
  readonly kind: BusClientKind;
  readonly receives: boolean;
  readonly startedAt: Date;
  readonly counters: ClientCounters = newCounters();
  private readonly bus: Bus;
  private readonly totals: ClientCounters;
  private readonly queue: BoundedQueue<Delivery> | null;
  private currentGuid: Guid;
  private currentFilter: VscpFilter | null = null;
  private readable: ((client: BusClient) => void) | null;
  private isClosed = false;

  /** @internal use Bus.addClient */
  constructor(bus: Bus, id: number, options: BusClientOptions, totals: ClientCounters) {
    this.bus = bus;
    this.id = id;
    this.name = options.name;
    this.kind = options.kind;
    this.receives = options.receives ?? true;
    this.startedAt = new Date();
    this.totals = totals;
    this.queue = this.receives ? new BoundedQueue(options.queueSize ?? bus.defaultQueueSize) : null;
    this.currentGuid = options.guid ? checkGuid(options.guid) : bus.interfaceGuid(id);
    this.filter = options.filter ?? null;
    this.readable = options.onReadable ?? null;
  }

  /** The interface GUID; zero GUIDs of this client's events become it (bytes 14–15 kept). */
  get guid(): Guid {
    return this.currentGuid;
  }

  set guid(guid: Guid) {
    this.currentGuid = checkGuid(guid);
  }

  get filter(): VscpFilter | null {
    return this.currentFilter;
  }

  /** null or an open filter: accept everything. */
  set filter(filter: VscpFilter | null) {
    this.currentFilter = filter && !isOpenFilter(filter) ? filter : null;
  }

  get queueSize(): number {
    return this.queue?.limit ?? 0;
  }

  set queueSize(size: number) {
    if (this.queue) this.queue.limit = size;
  }

  get queued(): number {
    return this.queue?.length ?? 0;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * The consumer's wake-up call (the queue went from empty to non-empty). Replaceable, so a
   * driver's client can outlive the driver: detach with null while it restarts (events keep
   * queueing, bounded), attach again and it is called at once if events are waiting.
   */
  get onReadable(): ((client: BusClient) => void) | null {
    return this.readable;
  }

  set onReadable(fn: ((client: BusClient) => void) | null) {
    this.readable = fn;
    if (fn && this.queued > 0 && !this.isClosed) {
      queueMicrotask(() => {
        if (this.readable === fn && this.queued > 0 && !this.isClosed) this.callReadable();
      });
    }
  }

  /** Hands an event to the bus; it is completed (obid, time, GUID) and delivered to the others. */
  send(event: VscpEvent): 'ok' | 'closed' {
    if (this.isClosed) return 'closed';
    this.counters.received++;
    this.counters.receivedData += event.data.length;
    this.totals.received++;
    this.totals.receivedData += event.data.length;
    this.bus.dispatch(this, event);
    return 'ok';
  }

  take(): VscpEvent | undefined {
    const d = this.queue?.shift();
    if (!d) return undefined;
    this.countSent(d.event);
    return d.event;
  }

  /** The next event with its shared text slot (for consumers that send it as text). */
  takeDelivery(): Delivery | undefined {
    const d = this.queue?.shift();
    if (d) this.countSent(d.event);
    return d;
  }

  takeUpTo(n: number): VscpEvent[] {
    const out: VscpEvent[] = [];
    if (!this.queue) return out;
    while (out.length < n) {
      const d = this.queue.shift();
      if (!d) break;
      this.countSent(d.event);
      out.push(d.event);
    }
    return out;
  }

  /** Next event without taking it. */
  peek(): VscpEvent | undefined {
    return this.queue?.peek()?.event;
  }

  /** Discards everything queued (CLRA); counted as dropped 'cleared'. Returns how many. */
  clear(): number {
    const n = this.queue?.clear() ?? 0;
    this.counters.dropped.cleared += n;
    this.totals.dropped.cleared += n;
    return n;
  }

  /** Leaves the bus; what is still queued is counted as dropped 'closed'. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const n = this.queue?.clear() ?? 0;
    this.counters.dropped.closed += n;
    this.totals.dropped.closed += n;
    this.readable = null;
    this.bus.detach(this);
  }

  /** @internal */
  offer(delivery: Delivery): void {
    const f = this.currentFilter;
    if (f !== null && !filterAccepts(f, delivery.event)) {
      this.counters.filtered++;
      this.totals.filtered++;
      return;
    }
    const q = this.queue!;
    if (!q.push(delivery)) {
      this.counters.dropped.queue_full++;
      this.totals.dropped.queue_full++;
      return;
    }
    this.counters.queued++;
    this.totals.queued++;
    if (q.length === 1 && this.readable !== null) this.callReadable();
  }

  /** @internal */
  noteFiltered(): void {
    this.counters.filtered++;
    this.totals.filtered++;
  }

  private countSent(event: VscpEvent): void {
    this.counters.sent++;
    this.counters.sentData += event.data.length;
    this.totals.sent++;
    this.totals.sentData += event.data.length;
  }

  private callReadable(): void {
    try {
      this.readable!(this);
    } catch (e) {
      this.bus.reportConsumerError(this, e);
    }
  }

  toString(): string {
    return `${this.name} (${this.id}, ${formatGuid(this.currentGuid)})`;
  }
}

function checkGuid(guid: Guid): Guid {
  if (guid.length !== GUID_SIZE) throw new BusError(`interface GUID must have 16 bytes, got ${guid.length}`);
  return Uint8Array.from(guid);
}
