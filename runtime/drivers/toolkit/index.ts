/*
 * Small building blocks for drivers, next to the driver contract. A built-in driver imports
 * only the contract (../contract.js), this toolkit, runtime/protocol and its own files (plus
 * runtime/support/package-root.js for its schema, and for the TCP/IP link driver the client
 * library runtime/tcpip/client.js). Blocks stay small, with no I/O of their own and no
 * knowledge of any one driver; one file each, tests beside them.
 */
export { Backoff, type BackoffRule, type Jitter, backoffDelay } from '../../support/backoff.js';
export { DropOldestQueue } from './drop-oldest-queue.js';
export { filterFromSettings } from './filter-setting.js';
export { RateLimitedWarning } from './rate-limited-warning.js';
export { Wakeup } from './wakeup.js';
