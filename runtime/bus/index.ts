// The event bus: clients, bounded per-client queues, filters, counters.
export * from './bus.js';
export { BoundedQueue } from './queue.js';
