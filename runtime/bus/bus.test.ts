import { describe, expect, it } from 'vitest';
import { createEvent, formatGuid, makeFilter, parseFilterPart, parseGuid, type VscpEvent } from '../protocol/index.js';
import { Bus, BusError, INTERFACE_TYPE } from './bus.js';
import { BoundedQueue } from './queue.js';

const DAEMON_GUID = parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:00:00:00');
const NOW = Date.UTC(2018, 7, 30, 10, 11, 12);

function newBus(defaultQueueSize = 8): Bus {
  return new Bus({ daemonGuid: DAEMON_GUID, defaultQueueSize, now: () => NOW });
}

function ev(init: Omit<Partial<VscpEvent>, 'data'> & { data?: number[] } = {}): VscpEvent {
  return createEvent({ vscpClass: init.vscpClass ?? 20, vscpType: init.vscpType ?? 3, head: init.head, guid: init.guid, timestamp: init.timestamp, data: init.data ?? [0, 1, 35] });
}

describe('client ids and interface GUIDs', () => {
  it('hands out ids from 1 and builds the v13 interface GUID from the id', () => {
    const bus = newBus();
    const a = bus.addClient({ name: 'a', kind: 'tcpip' });
    const b = bus.addClient({ name: 'b', kind: 'internal' });
    expect([a.id, b.id]).toEqual([1, 2]);
    expect(formatGuid(b.guid)).toBe('FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:02:00:00');
    expect(bus.clients.map((c) => c.name)).toEqual(['a', 'b']);
    expect(bus.client(2)).toBe(b);
  });

  it('does not hand a fresh client the id of one that just left', () => {
    const bus = newBus();
    const a = bus.addClient({ name: 'a', kind: 'tcpip' });
    a.close();
    const b = bus.addClient({ name: 'b', kind: 'tcpip' });
    expect(b.id).not.toBe(a.id);
    expect(bus.client(a.id)).toBeUndefined();
  });

  it('honours a requested id and refuses one that is taken or out of range', () => {
    const bus = newBus();
    const drv = bus.addClient({ name: 'drv', kind: 'level2-driver', requestedId: 0x5060 });
    expect(drv.id).toBe(0x5060);
    expect(() => bus.addClient({ name: 'other', kind: 'level2-driver', requestedId: 0x5060 })).toThrow(/id 20576 is taken by drv/);
    expect(() => bus.addClient({ name: 'big', kind: 'level2-driver', requestedId: 0x10000 })).toThrow(BusError);
  });

  it('uses an explicit interface GUID and lets it be changed (SGID)', () => {
    const bus = newBus();
    const c = bus.addClient({ name: 'drv', kind: 'level2-driver', guid: parseGuid('FF:FF:FF:FF:FF:FF:FF:FC:10:20:30:40:50:60:70:80') });
    expect(formatGuid(c.guid)).toBe('FF:FF:FF:FF:FF:FF:FF:FC:10:20:30:40:50:60:70:80');
    c.guid = parseGuid('01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10');
    expect(formatGuid(c.guid)).toBe('01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10');
    expect(() => { c.guid = new Uint8Array(3); }).toThrow(/16 bytes/);
  });

  it('maps kinds to the v13 INTERFACE LIST type numbers', () => {
    expect(INTERFACE_TYPE).toEqual({ internal: 1, 'level2-driver': 3, tcpip: 5 });
  });
});

describe('what the daemon fills in on arrival', () => {
  it('sets obid, a zero timestamp, an unset date and a zero GUID (keeping bytes 14–15)', () => {
    const bus = newBus();
    const sender = bus.addClient({ name: 's', kind: 'tcpip' });
    const rx = bus.addClient({ name: 'r', kind: 'tcpip' });
    const guid = new Uint8Array(16);
    guid[15] = 0x0a;
    const e = ev({ guid, timestamp: 0 });
    e.obid = 7;
    sender.send(e);
    const got = rx.take()!;
    expect(got.obid).toBe(sender.id);
    expect(got.timestamp).toBe((NOW * 1000) % 2 ** 32);
    expect(got.dateTime).toEqual({ year: 2018, month: 8, day: 30, hour: 10, minute: 11, second: 12 });
    expect(formatGuid(got.guid)).toBe('FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:01:00:0A');
  });

  it('keeps a timestamp, a date and a non-zero GUID the sender set', () => {
    const bus = newBus();
    const sender = bus.addClient({ name: 's', kind: 'tcpip' });
    const rx = bus.addClient({ name: 'r', kind: 'tcpip' });
    const e = createEvent({
      vscpClass: 10, vscpType: 6, timestamp: 55, dateTime: { year: 2001, month: 11, day: 2, hour: 18, minute: 0, second: 1 },
      guid: parseGuid('01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10'),
    });
    sender.send(e);
    const got = rx.take()!;
    expect(got.timestamp).toBe(55);
    expect(got.dateTime).toEqual({ year: 2001, month: 11, day: 2, hour: 18, minute: 0, second: 1 });
    expect(formatGuid(got.guid)).toBe('01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10');
  });

  it('fills a driver event with its configured GUID and nickname (vscp-drivers.md D3)', () => {
    const bus = newBus();
    const drv = bus.addClient({
      name: 'drv', kind: 'level2-driver', requestedId: 0x5060,
      guid: parseGuid('FF:FF:FF:FF:FF:FF:FF:FC:10:20:30:40:50:60:70:80'),
    });
    const rx = bus.addClient({ name: 'r', kind: 'tcpip' });
    drv.send(ev({ guid: parseGuid('00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:0A') }));
    const got = rx.take()!;
    expect(formatGuid(got.guid)).toBe('FF:FF:FF:FF:FF:FF:FF:FC:10:20:30:40:50:60:00:0A');
    expect(got.obid).toBe(20576);
  });
});

describe('delivery', () => {
  it('delivers to every other client, never back to the sender, sharing one event object', () => {
    const bus = newBus();
    const [a, b, c] = ['a', 'b', 'c'].map((name) => bus.addClient({ name, kind: 'tcpip' }));
    const e = ev();
    a!.send(e);
    expect(a!.queued).toBe(0);
    const gotB = b!.take();
    const gotC = c!.take();
    expect(gotB).toBe(e);
    expect(gotC).toBe(e);
  });

  it('applies each receiver’s filter and counts what it kept away', () => {
    const bus = newBus();
    const tx = bus.addClient({ name: 'tx', kind: 'tcpip' });
    const onlyMeasurements = bus.addClient({
      name: 'm', kind: 'tcpip',
      filter: makeFilter(parseFilterPart('0,10,6,-'), parseFilterPart('0,0xFFFF,0xFFFF,-')),
    });
    const all = bus.addClient({ name: 'all', kind: 'tcpip' });
    tx.send(ev({ vscpClass: 20, vscpType: 3 }));
    tx.send(ev({ vscpClass: 10, vscpType: 6 }));
    expect(onlyMeasurements.takeUpTo(10).map((e) => e.vscpClass)).toEqual([10]);
    expect(all.takeUpTo(10).map((e) => e.vscpClass)).toEqual([20, 10]);
    expect(onlyMeasurements.counters.filtered).toBe(1);
    onlyMeasurements.filter = null;
    tx.send(ev({ vscpClass: 20, vscpType: 3 }));
    expect(onlyMeasurements.queued).toBe(1);
  });

  it('delivers nothing to a client that does not receive', () => {
    const bus = newBus();
    const tx = bus.addClient({ name: 'tx', kind: 'tcpip' });
    const mute = bus.addClient({ name: 'mute', kind: 'level2-driver', receives: false });
    tx.send(ev());
    expect(mute.queued).toBe(0);
    expect(mute.take()).toBeUndefined();
    expect(mute.send(ev())).toBe('ok');
    expect(tx.queued).toBe(1);
  });

  it('drops for a full client only and counts it; the others keep receiving', () => {
    const bus = newBus(1000);
    const tx = bus.addClient({ name: 'tx', kind: 'tcpip' });
    const slow = bus.addClient({ name: 'slow', kind: 'tcpip', queueSize: 3 });
    const fast = bus.addClient({ name: 'fast', kind: 'tcpip' });
    for (let i = 0; i < 10; i++) tx.send(ev({ data: [i] }));
    expect(slow.queued).toBe(3);
    expect(slow.counters.dropped.queue_full).toBe(7);
    expect(fast.takeUpTo(100).map((e) => e.data[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(slow.takeUpTo(100).map((e) => e.data[0])).toEqual([0, 1, 2]);
    expect(fast.counters.dropped.queue_full).toBe(0);
    const t = bus.totals();
    expect(t.received).toBe(10);
    expect(t.queued).toBe(13);
    expect(t.sent).toBe(13);
    expect(t.dropped.queue_full).toBe(7);
  });

  it('routes Level I over Level II to the addressed interface only, else broadcasts', () => {
    const bus = newBus();
    const tx = bus.addClient({ name: 'tx', kind: 'tcpip' });
    const a = bus.addClient({ name: 'a', kind: 'level2-driver' });
    const b = bus.addClient({ name: 'b', kind: 'level2-driver' });
    const dest = [...b.guid];
    dest[14] = 0x12; // the nickname travels in bytes 14–15 and does not take part in routing
    dest[15] = 0x34;
    tx.send(ev({ vscpClass: 532, vscpType: 3, data: [...dest, 0, 1, 35] }));
    expect(a.queued).toBe(0);
    expect(b.take()!.vscpClass).toBe(532);
    expect(a.counters.filtered).toBe(1);
    const nowhere = new Array(16).fill(0x77);
    tx.send(ev({ vscpClass: 532, vscpType: 3, data: [...nowhere, 0, 1, 35] }));
    expect(a.queued).toBe(1);
    expect(b.queued).toBe(1);
    // fewer than 16 data bytes: no destination, a broadcast
    tx.send(ev({ vscpClass: 532, vscpType: 3, data: [1, 2, 3] }));
    expect(a.queued).toBe(2);
  });

  it('takes one event, several, and reports the sent counters', () => {
    const bus = newBus();
    const tx = bus.addClient({ name: 'tx', kind: 'tcpip' });
    const rx = bus.addClient({ name: 'rx', kind: 'tcpip' });
    for (let i = 0; i < 5; i++) tx.send(ev({ data: [i, i] }));
    expect(rx.peek()!.data[0]).toBe(0);
    expect(rx.take()!.data[0]).toBe(0);
    expect(rx.takeUpTo(3).map((e) => e.data[0])).toEqual([1, 2, 3]);
    expect(rx.counters.sent).toBe(4);
    expect(rx.counters.sentData).toBe(8);
    expect(tx.counters.received).toBe(5);
    expect(tx.counters.receivedData).toBe(10);
  });
});

describe('consumers', () => {
  it('wakes the consumer when the queue becomes non-empty, not for every event', () => {
    const bus = newBus();
    const tx = bus.addClient({ name: 'tx', kind: 'tcpip' });
    let wakeups = 0;
    const rx = bus.addClient({ name: 'rx', kind: 'tcpip', onReadable: () => { wakeups++; } });
    tx.send(ev());
    tx.send(ev());
    expect(wakeups).toBe(1);
    rx.takeUpTo(10);
    tx.send(ev());
    expect(wakeups).toBe(2);
  });

  it('keeps queueing while detached and wakes a newly attached consumer at once', async () => {
    const bus = newBus();
    const tx = bus.addClient({ name: 'tx', kind: 'internal' });
    const drv = bus.addClient({ name: 'drv', kind: 'level2-driver' });
    tx.send(ev());
    tx.send(ev());
    const woke = new Promise<number>((resolve) => { drv.onReadable = (c) => resolve(c.queued); });
    expect(await woke).toBe(2);
  });

  it('contains a consumer that throws: the sender and other receivers carry on', () => {
    const bus = newBus();
    const tx = bus.addClient({ name: 'tx', kind: 'tcpip' });
    bus.addClient({ name: 'bad', kind: 'level2-driver', onReadable: () => { throw new Error('boom'); } });
    const good = bus.addClient({ name: 'good', kind: 'tcpip' });
    expect(tx.send(ev())).toBe('ok');
    expect(good.queued).toBe(1);
  });

  it('counts cleared and closed events as drops and refuses sends after close', () => {
    const bus = newBus();
    const tx = bus.addClient({ name: 'tx', kind: 'tcpip' });
    const rx = bus.addClient({ name: 'rx', kind: 'tcpip' });
    tx.send(ev());
    tx.send(ev());
    expect(rx.clear()).toBe(2);
    expect(rx.counters.dropped.cleared).toBe(2);
    tx.send(ev());
    rx.close();
    rx.close();
    expect(rx.closed).toBe(true);
    expect(rx.send(ev())).toBe('closed');
    expect(bus.clients).toEqual([tx]);
    const t = bus.totals();
    expect(t.dropped).toEqual({ queue_full: 0, cleared: 2, closed: 1 });
    expect(t.clients).toBe(1);
    expect(t.clientsTotal).toBe(2);
  });

  it('lets a client join and leave while an event is being delivered', () => {
    const bus = newBus();
    const tx = bus.addClient({ name: 'tx', kind: 'tcpip' });
    let late: ReturnType<Bus['addClient']> | undefined;
    const rx = bus.addClient({
      name: 'rx', kind: 'tcpip',
      onReadable: (c) => { c.close(); late = bus.addClient({ name: 'late', kind: 'tcpip' }); },
    });
    const other = bus.addClient({ name: 'other', kind: 'tcpip' });
    tx.send(ev());
    expect(rx.closed).toBe(true);
    expect(other.queued).toBe(1);
    expect(late!.queued).toBe(0);
    tx.send(ev());
    expect(late!.queued).toBe(1);
  });
});

describe('BoundedQueue', () => {
  it('keeps order across growth and wrap-around and refuses beyond its limit', () => {
    const q = new BoundedQueue<number>(40);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 30; i++) expect(q.push(i)).toBe(true);
      for (let i = 0; i < 20; i++) expect(q.shift()).toBe(i);
      for (let i = 30; i < 60; i++) q.push(i);
      expect(q.length).toBe(40);
      expect(q.push(99)).toBe(false);
      const rest: number[] = [];
      while (q.length) rest.push(q.shift()!);
      expect(rest).toEqual(Array.from({ length: 40 }, (_, i) => i + 20));
    }
  });

  it('applies a lower limit to new items only and clears', () => {
    const q = new BoundedQueue<string>(4);
    q.push('a'); q.push('b'); q.push('c');
    q.limit = 2;
    expect(q.length).toBe(3);
    expect(q.push('d')).toBe(false);
    expect(q.shift()).toBe('a');
    expect(q.shift()).toBe('b');
    expect(q.push('e')).toBe(true);
    expect(q.clear()).toBe(2);
    expect(q.shift()).toBeUndefined();
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});
