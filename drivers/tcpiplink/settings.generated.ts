// Generated from the JSON Schema by `npm run gen:types`. Do not edit by hand.
/**
 * Links this daemon to a remote VSCP daemon (or any server that speaks the VSCP TCP/IP link protocol): events from the remote that pass the RX filter are handed to this daemon (RCVLOOP on a receive session), events this daemon delivers that pass the TX filter are sent to the remote (SEND on a send session). Own events coming back are recognised by the send session's channel id and by a memory of recent events, so two daemons can be linked both ways without loops. Reconnects with backoff and jitter, re-sends the filter after every reconnect, watches the remote's keep-alives, keeps a bounded queue while the remote is away, optionally over TLS.
 */
export interface TcpiplinkSettings {
  /**
   * Host name or IP address of the remote daemon (IPv6 with or without brackets; a `tcp://` prefix is accepted). Required here, in the config string, in the variable `<prefix>_host_remote` or in `setup`. The port goes in `port_remote`.
   */
  host_remote?: string;
  /**
   * TCP port of the remote daemon's TCP/IP interface.
   */
  port_remote?: number;
  /**
   * User name to log in on the remote daemon. It needs privilege 4 to send and 2 to receive (6 to set the receive filter there; without it the RX filter is applied here only). Empty: no login (for devices that need none).
   */
  user_remote?: string;
  /**
   * Password of `user_remote` on the remote daemon (plain text, as the remote's PASS command wants it). Never logged.
   */
  password_remote?: string;
  /**
   * Filter `priority,class,type,GUID` for events from the remote: sent to the remote with SFLT after every (re)connect and applied here as well. An event passes when every bit set in `rxmask` has the same value in the event as here. Empty: all zero.
   */
  rxfilter?: string;
  /**
   * Mask `priority,class,type,GUID` of `rxfilter` (SMSK at the remote): the bits that must match. Empty or all zero receives every event.
   */
  rxmask?: string;
  /**
   * The original (deprecated) name of `rxfilter` (variable `<prefix>_filter`). Used when `rxfilter` is empty or all zero; setting both to different values is an error.
   */
  filter?: string;
  /**
   * The original (deprecated) name of `rxmask` (variable `<prefix>_mask`). Used when `rxmask` is empty or all zero; setting both to different values is an error.
   */
  mask?: string;
  /**
   * Filter `priority,class,type,GUID` for events this daemon delivers to the link: an event that does not pass is dropped (and counted), the next one goes on. Empty: all zero.
   */
  txfilter?: string;
  /**
   * Mask `priority,class,type,GUID` of `txfilter`: the bits that must match. Empty or all zero sends every event.
   */
  txmask?: string;
  /**
   * Milliseconds to wait for the remote's reply to a command (login, SEND, filter). No reply in time closes the connection, which is then opened again with backoff. (The original read this setting but never applied it.)
   */
  responsetimeout?: number;
  /**
   * The original code's (misspelt) variable name of `responsetimeout` (variable `<prefix>_response_timout`). Used when `responsetimeout` is at its default; setting both to different values is an error.
   */
  response_timout?: number;
  /**
   * The original XML setup (variable `<prefix>_setup`): `<setup host="…" port="…" user="…" password="…" rxfilter="…" rxmask="…" txfilter="…" txmask="…" responsetimeout="…"/>`, as plain XML or BASE64 (optionally `BASE64:`-prefixed). Each non-empty attribute overrides the matching key, as the original read config string → variables → XML. Empty: not used.
   */
  setup?: string;
  /**
   * `both`: events flow both ways; `receive`: only remote → this daemon (no send session, nothing queues for the link); `send`: only this daemon → remote (no receive session). Two links between the same daemons should each take one direction.
   */
  direction?: "both" | "receive" | "send";
  /**
   * The receive session counts as dead when the remote sends neither an event nor its `+OK` keep-alive (every 2–3 s) for this long; it is then closed and opened again with backoff, the filter re-sent. The idle send session is probed with NOOP as often. 0: off (for servers that send no keep-alives).
   */
  keepalive_timeout_ms?: number;
  /**
   * Longest wait for the TCP (and TLS) connection and the remote's welcome banner.
   */
  connect_timeout_ms?: number;
  /**
   * First delay before connecting again after a failure; it doubles with every failed attempt up to `reconnect_max_ms`, each delay with random jitter (half to all of it). The original waited a fixed 30 s.
   */
  reconnect_min_ms?: number;
  /**
   * Longest delay between connection attempts. Must not be below `reconnect_min_ms`.
   */
  reconnect_max_ms?: number;
  /**
   * Events kept while the send session is down; when full the oldest is dropped and counted. They are sent in order once the link is back. (While the link is up but busy, events wait in the daemon's own per-driver queue, `queue_size`.) 0: drop at once while down.
   */
  send_queue_size?: number;
  /**
   * Connect to the remote over TLS (the remote's TCP/IP interface must have a certificate). The certificate is verified against `tls_ca` (or the system's CAs) and the host name.
   */
  tls?: boolean;
  /**
   * PEM file with the CA certificate(s) that signed the remote's certificate, read at every connect. Empty: the system's CAs. Needs `tls = true`.
   */
  tls_ca?: string;
  /**
   * Host name the remote's certificate must be valid for (and sent as SNI). Empty: `host_remote`.
   */
  tls_servername?: string;
  /**
   * false accepts a remote certificate that cannot be verified (self-signed, wrong name). Only for testing: the link is then open to a man in the middle.
   */
  tls_reject_unauthorized?: boolean;
}
