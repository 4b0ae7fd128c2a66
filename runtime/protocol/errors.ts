/** A value that does not follow a VSCP wire or text format. The message says what and where. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}
