// The TCP/IP interface (VSCP link protocol): server, sessions, users, and the client library.
export * from './server.js';
export * from './users.js';
export * from './client.js';
export { Reply, closingLine } from './replies.js';
export { LoginThrottle } from './login-throttle.js';
export { aclAllows, parseAcl, parseIpAddress, type AclEntry } from './acl.js';
export { LineSplitter, LineTooLongError } from './line-splitter.js';
export { deliveryLine, eventLine } from './event-line.js';
