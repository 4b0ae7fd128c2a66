// The VSCP protocol core: pure functions and types, no I/O, nothing else from the project.
export * from './errors.js';
export * from './numbers.js';
export * from './guid.js';
export * from './event.js';
export * from './event-text.js';
export * from './event-json.js';
export * from './filter.js';
export * from './classes.js';
export * from './measurement.js';
export * from './level1.js';
export * from './can.js';
export * from './raw-ethernet.js';
export * from './password.js';
export * from './daemon-events.js';
