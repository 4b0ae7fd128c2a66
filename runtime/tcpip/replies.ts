/*
 * Reply lines of the TCP/IP interface. The v13 texts are kept byte for byte (tcpipsrv.h,
 * including "sen" for "send"); lines marked "vscpd" are ours, for conditions v13 did not
 * have or answered with silence. Every line is a status line: `+OK` success, `-OK` failure.
 */

export const Reply = {
  SUCCESS: '+OK - Success.',
  USER_OK: '+OK - User name accepted, password please',
  QUIT: '+OK - Connection closed by client.',
  RCVLOOP: '+OK - Receive loop entered. QUITLOOP to terminate.',
  QUITLOOP: '+OK - Quit receive loop.',
  CLEARED: '+OK - All events cleared.',
  KEEPALIVE: '+OK',

  INVALID: '-OK - Invalid parameter or format',
  NEED_USER: '-OK - Need a Username before a password can be entered.',
  BAD_LOGIN: '-OK - Invalid username or password.',
  BAD_PEER: '-OK - Invalid or unknown peer.',
  NEED_LOGIN: '-OK - Need to log in to perform this command.',
  LOW_PRIVILEGE: '-OK - User need higher privilege level to perform this operation.',
  UNKNOWN: '-OK - Unknown command',
  NO_EVENTS: '-OK - No event(s) available',
  SEND_NOT_ALLOWED: '-OK - Not allowed to sen this event (contact admin).',
  VAR_UNDEFINED: '-OK - Variable is not defined.',
  VAR_NOT_EVENT: '-OK - Variable must be of event type.',
  VAR_STOCK: '-OK - Operation does not work with stock variables.',
  VAR_NOT_SAVED: '-OK - Variable could not be saved.',
  INTERNAL: '-OK - Server Internal error.',
  INVALID_PATH: '-OK - Invalid path.',
  MAX_CLIENTS: '-OK - Max number of clients connected.',
  INTERFACE_NOT_FOUND: '-OK - Interface not found.',

  /** vscpd: DM, TABLE, DRIVER, FILE, UDP, RESTART, INTERFACE UNIQUE/NORMAL/CLOSE (v13: silence or a fake success). */
  NOT_SUPPORTED: '-OK - Command not supported by this daemon.',
  /** vscpd: a command line over max_line_bytes; the connection is closed after it. */
  LINE_TOO_LONG: '-OK - Line too long.',
  /** vscpd: an unauthenticated connection that only produces errors is closed after this. */
  TOO_MANY_ERRORS: '-OK - Too many errors.',
  /** vscpd: `+n` without such an entry. */
  NO_HISTORY: '-OK - No such command in history.',
  /** vscpd: VAR WRITE changing the type of an existing variable. */
  VAR_TYPE_CHANGE: '-OK - Variable type can not be changed.',
  /** vscpd: VAR LOAD when the reload of the configuration failed. */
  VAR_NOT_LOADED: '-OK - Variables could not be loaded.',
  /** vscpd: a variable the daemon keeps read-only. */
  VAR_READ_ONLY: '-OK - Variable is read only.',
} as const;

/** vscpd: the last line before the server closes a connection on its own. */
export function closingLine(reason: string): string {
  return `-OK - Connection closed by server: ${reason}.`;
}
