// Generated from the JSON Schema by `npm run gen:types`. Do not edit by hand.
/**
 * Writes the events the daemon delivers to a file: the original text line format, the VSCP Works XML format (a valid document at all times, also in append mode), or JSON Lines. Filter and mask select what is written. Re-opens the file after external rotation and on reload; optional size-based rotation.
 */
export interface LoggerSettings {
  /**
   * The log file. A relative path is relative to the folder of the file that sets it. Missing folders are not created: a missing folder puts the driver in `degraded` until it exists.
   */
  path: string;
  /**
   * true: empty the file when the driver starts (or when `path` changes); false: append. Re-opening after rotation or on reload always appends.
   */
  rewrite?: boolean;
  /**
   * Original switch for the VSCP Works XML format: true means `format = xml`. Prefer `format`; setting both to different formats is an error.
   */
  vscpworksfmt?: boolean;
  /**
   * `text`: one line per event as the original driver wrote it; `xml`: VSCP Works receive-data XML; `jsonl`: one JSON object per line. Default: `xml` when `vscpworksfmt` is true, else `text`.
   */
  format?: "text" | "xml" | "jsonl";
  /**
   * Filter `priority,class,type,GUID` (decimal or 0x-hex): an event is written when every bit set in `mask` has the same value in the event as here. Missing trailing fields are 0.
   */
  filter?: string;
  /**
   * Mask `priority,class,type,GUID`: the bits of the filter that must match. All zero (the default) writes every event.
   */
  mask?: string;
  /**
   * Time zone of the time written with each event (the time it was logged). The original driver wrote local time. Event dates (`<dt>`, `datetime`) are always UTC.
   */
  time?: "local" | "utc";
  /**
   * Rotate when the file reaches this size: `path` becomes `path.1`, `path.1` becomes `path.2`, … 0 turns size rotation off (for logrotate).
   */
  rotate_size_bytes?: number;
  /**
   * How many rotated files (`path.1` … `path.N`) size rotation keeps; older ones are deleted.
   */
  rotate_keep?: number;
  /**
   * Memory for events not yet written (counted as about 200 bytes per event plus 5 per data byte). While the file cannot be written (disk full, folder removed) events beyond this are dropped and counted; while it is merely slow, the driver makes the daemon wait instead.
   */
  buffer_max_bytes?: number;
  /**
   * How often a failed open or write is retried.
   */
  retry_interval_ms?: number;
  /**
   * How often the driver checks whether the file was rotated (renamed, removed, truncated) by another program, and re-opens it.
   */
  rotation_check_ms?: number;
}
