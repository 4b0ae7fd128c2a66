// Generated from the JSON Schema by `npm run gen:types`. Do not edit by hand.
/**
 * The daemon's configuration file (INI). Each property is a section; `user`, `schedule` and `driver` hold the `[user.NAME]`, `[schedule.NAME]` and `[driver.NAME]` sections by name. INI values are text: the loader converts them to the types below before validation (integers decimal or 0x-hex; booleans true/false, yes/no, on/off, 1/0).
 */
export interface VscpdConf {
  general?: General;
  tcpip?: Tcpip;
  admin?: Admin;
  automation?: Automation;
  /**
   * `[user.NAME]` sections: the users who may log in over the TCP/IP interface.
   */
  user?: {
    [k: string]: User;
  };
  /**
   * `[schedule.NAME]` sections: events sent on a cron schedule.
   */
  schedule?: {
    [k: string]: Schedule;
  };
  /**
   * `[driver.NAME]` sections: one Level II driver each. NAME is the variable prefix (spaces become `_`).
   */
  driver?: {
    [k: string]: Driver;
  };
}
/**
 * Daemon-wide settings.
 */
export interface General {
  /**
   * The daemon's GUID, the base of every interface GUID (bytes 12–13 carry the client id, 14–15 the nickname). Empty: derived from the first MAC address (or IPv4 address) of the machine at start.
   */
  guid?: string;
  /**
   * The daemon's name, sent in Level II heartbeats (at most 64 bytes).
   */
  name?: string;
  /**
   * The declared variable file (INI, one `[NAME]` section per variable), relative to the file this key is written in. Empty: no declared variables.
   */
  variables?: string;
  /**
   * Folder for runtime state: variables written at run time, the last good configuration, driver state. Relative to the file this key is written in.
   */
  state_dir?: string;
  /**
   * Default size (events) of every client's receive queue: drivers and TCP/IP sessions. A full queue drops and counts the overflow.
   */
  client_buffer_size?: number;
  /**
   * Further configuration files, comma-separated; relative to this file; `*`, `?` and `[abc]` match within one path segment (not a leading dot). Matches are read in lexical order. A section may be defined once across all files.
   */
  include?: string;
  /**
   * How a reload applies: `per-driver` applies every driver that starts and rolls back one that fails; `atomic` applies all or nothing.
   */
  reload?: "per-driver" | "atomic";
  /**
   * Watch the configuration files and reload when they change.
   */
  watch?: boolean;
  /**
   * Least severe log level written.
   */
  log_level?: "debug" | "info" | "warn" | "error";
  /**
   * Deadline for a driver's stop(), in milliseconds.
   */
  stop_timeout_ms?: number;
  /**
   * First delay before a failed driver is restarted; doubles on every further failure (with jitter).
   */
  restart_backoff_min_ms?: number;
  /**
   * Longest delay between restarts of a failing driver.
   */
  restart_backoff_max_ms?: number;
  /**
   * A driver running this long without failing has its restart delay reset.
   */
  restart_stable_ms?: number;
}
/**
 * The TCP/IP interface ("VSCP link" protocol of vscpd v13).
 */
export interface Tcpip {
  /**
   * Run the TCP/IP interface.
   */
  enable?: boolean;
  /**
   * Addresses to listen on, comma-separated: `host:port`, `[v6]:port`, or a bare `port` (all IPv4 interfaces). Port 0 picks any free port.
   */
  listen?: string;
  /**
   * PEM certificate chain for TLS, relative to this file. Set with `tls_key`, or neither (plain TCP).
   */
  tls_cert?: string;
  /**
   * PEM private key for TLS, relative to this file.
   */
  tls_key?: string;
  /**
   * Most simultaneous TCP/IP sessions; further connections are refused.
   */
  max_clients?: number;
  /**
   * Longest command line a client may send, in bytes.
   */
  max_line_bytes?: number;
  /**
   * A session that sends nothing for this long is closed (not inside RCVLOOP). 0: never.
   */
  idle_timeout_ms?: number;
  /**
   * Interval of the `+OK` keep-alive lines in RCVLOOP.
   */
  keepalive_interval_ms?: number;
  /**
   * How string-class variable values travel in VAR commands: `base64` as vscpd v13, or `plain` text.
   */
  variable_encoding?: "base64" | "plain";
  /**
   * Failed logins from one address delay its next answer by base × 2^(failures−1), capped by `login_delay_max_ms`.
   */
  login_delay_base_ms?: number;
  /**
   * Longest delay after failed logins.
   */
  login_delay_max_ms?: number;
}
/**
 * The local HTTP admin API: status, plan, reload, metrics.
 */
export interface Admin {
  /**
   * Run the admin API.
   */
  enable?: boolean;
  /**
   * Address of the admin API: `host:port`, `[v6]:port` or a bare `port` (all IPv4 interfaces). It has no authentication: keep it on a loopback address.
   */
  listen?: string;
}
/**
 * Events the daemon sends by itself.
 */
export interface Automation {
  /**
   * Send the automation events below.
   */
  enable?: boolean;
  /**
   * When to send the segment-controller heartbeat (CLASS1.PROTOCOL 1) and the Level II node heartbeat (CLASS2.INFORMATION 2): a cron expression with six fields (second minute hour day month weekday). Empty: never.
   */
  heartbeat?: string;
  /**
   * When to send the high-end server capabilities (CLASS2.PROTOCOL 20): six-field cron. Empty: never.
   */
  capabilities?: string;
  /**
   * Send the CLASS2.VSCPD time events (second, minute, hour, noon, midnight, week, month, quarter, year).
   */
  time_events?: boolean;
  /**
   * Answer high-end server probes (CLASS1.PROTOCOL 27) with a response (28) per local IPv4 address.
   */
  answer_probes?: boolean;
}
/**
 * A user of the TCP/IP interface; the section name after `user.` is the login name. Without any user section nobody can log in.
 */
export interface User {
  /**
   * `SALT;HASH` as printed by `vscpd passwd` (PBKDF2-HMAC-SHA256, 70000 iterations, hex). Plain passwords are never accepted; `${env:NAME}` or `${file:path}` keep the hash out of the file.
   */
  password: string;
  /**
   * Command privilege: `admin` (15), `user` (6), `driver` (15) or a level 0–15.
   */
  privilege?: string;
  /**
   * Where the user may log in from: comma-separated `+cidr` (allow) and `-cidr` (deny), IPv4 or IPv6, evaluated in order, the last match wins. A bare address is /32 (/128). Empty: from anywhere.
   */
  allowfrom?: string;
  /**
   * Events the user may SEND: comma-separated `*:*`, `class:*` or `class:type` (decimal or 0x). Empty: all.
   */
  allowevent?: string;
  /**
   * Receive filter copied to the user's session at login: `priority,class,type,GUID`.
   */
  filter?: string;
  /**
   * Receive mask for `filter`: `priority,class,type,GUID`; a 1 bit must match the filter. Empty: everything passes.
   */
  mask?: string;
  /**
   * Free text about the user.
   */
  note?: string;
}
/**
 * An event the daemon sends on a cron schedule.
 */
export interface Schedule {
  /**
   * When to send: six-field cron (second minute hour day month weekday).
   */
  cron: string;
  /**
   * The event, in the event text form `head,class,type,obid,datetime,timestamp,GUID,data…`; an empty datetime/timestamp is filled in when sent, a zero GUID is the daemon's.
   */
  event: string;
  /**
   * Send this event.
   */
  enable?: boolean;
}
/**
 * The keys every driver section has; every other key belongs to the driver's own schema.
 */
export interface Driver {
  /**
   * Which driver: a built-in id (`sim`, `logger`, `tcpiplink`, `mqtt`, …), `./path/to/module.js` relative to this file, or `exec:/path/to/program args` (an external program talking to the TCP/IP interface).
   */
  driver: string;
  /**
   * Run this driver; switching it starts or stops the driver without touching others.
   */
  enable?: boolean;
  /**
   * The driver's interface GUID. Empty: the daemon GUID with the driver's client id.
   */
  guid?: string;
  /**
   * The original driver's positional configuration string `a;b;c`: position i sets the driver's i-th positional key. Keys in the section and `<prefix>_<key>` variables override it. Each value takes the reload class of its key.
   */
  config?: string;
  /**
   * Size (events) of the queue of events for this driver. Default: `[general] client_buffer_size`.
   */
  queue_size?: number;
  [k: string]: unknown;
}
