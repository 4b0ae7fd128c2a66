// The VSCP protocol core: pure functions and types, no I/O, nothing else from the project.
export * from './errors.js';
export * from './numbers.js';
export * from './guid.js';
export * from './event.js';
export * from './event-text.js';
export * from './filter.js';
