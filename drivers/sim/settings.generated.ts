// Generated from the JSON Schema by `npm run gen:types`. Do not edit by hand.
/**
 * Simulated VSCP nodes: each sends a measurement series (built in or from a data file) and heartbeats, answers the Level I register protocol and runs a Level I decision matrix. Node settings carry the node number 0…numberofnodes-1 as suffix (`zone0`, `interval1`, …).
 */
export interface SimSettings {
  /**
   * Number of simulated nodes, numbered 0…N-1. Node n gets nickname n+1 unless `guid<n>` says otherwise.
   */
  numberofnodes?: number;
  /**
   * Every node sends CLASS1.INFORMATION node heartbeat (20,9) with data [0, zone, subzone] this often, and once at start. 0 turns heartbeats off.
   */
  heartbeat_interval_ms?: number;
  /**
   * Zone of node n (register 0x00). Used in heartbeats and by the decision matrix zone check.
   *
   * This interface was referenced by `SimSettings`'s JSON-Schema definition
   * via the `patternProperty` "^zone(0|[1-9][0-9]{0,2})$".
   *
   * Subzone of node n (register 0x01).
   *
   * This interface was referenced by `SimSettings`'s JSON-Schema definition
   * via the `patternProperty` "^subzone(0|[1-9][0-9]{0,2})$".
   *
   * Sensor index 0–7 of node n's measurements (register 0x02).
   *
   * This interface was referenced by `SimSettings`'s JSON-Schema definition
   * via the `patternProperty` "^index(0|[1-9][0-9]{0,2})$".
   *
   * Unit code 0–3 of node n's measurements (register 0x03); its meaning depends on the measurement type (temperature: 0 Kelvin, 1 °C, 2 °F).
   *
   * This interface was referenced by `SimSettings`'s JSON-Schema definition
   * via the `patternProperty` "^unit(0|[1-9][0-9]{0,2})$".
   *
   * Data coding of node n's CLASS1.MEASUREMENT events (register 0x04): 0 normalized integer, 1 IEEE-754 float (big-endian), 2 string.
   *
   * This interface was referenced by `SimSettings`'s JSON-Schema definition
   * via the `patternProperty` "^coding(0|[1-9][0-9]{0,2})$".
   *
   * Seconds between node n's measurements; 0 turns them off. Values above 255 work (register 0x06 then reads 255).
   *
   * This interface was referenced by `SimSettings`'s JSON-Schema definition
   * via the `patternProperty` "^interval(0|[1-9][0-9]{0,2})$".
   *
   * GUID of node n; its last byte is the node's nickname. Zero apart from the last two bytes means the driver's interface GUID with those two bytes; all zero means the interface GUID with nickname n+1.
   *
   * This interface was referenced by `SimSettings`'s JSON-Schema definition
   * via the `patternProperty` "^guid(0|[1-9][0-9]{0,2})$".
   *
   * Data file of node n: one value per line (a decimal comma is accepted; an empty or unreadable line repeats the previous value), sent round robin. Without it, a built-in temperature series is used. Re-read on reload.
   *
   * This interface was referenced by `SimSettings`'s JSON-Schema definition
   * via the `patternProperty` "^path(0|[1-9][0-9]{0,2})$".
   *
   * Class of node n's measurement events: 10 CLASS1.MEASUREMENT (uses `coding`), 60 MEASUREMENT64 (double), 65 MEASUREZONE (normalized), 70 MEASUREMENT32 (float), 1040 CLASS2.MEASUREMENT_STR, 1060 CLASS2.MEASUREMENT_FLOAT.
   *
   * This interface was referenced by `SimSettings`'s JSON-Schema definition
   * via the `patternProperty` "^measurementclass(0|[1-9][0-9]{0,2})$".
   *
   * Type of node n's measurement events (6 = temperature). At most 255 for Level I classes.
   *
   * This interface was referenced by `SimSettings`'s JSON-Schema definition
   * via the `patternProperty` "^measurementtype(0|[1-9][0-9]{0,2})$".
   *
   * Decision matrix of node n (registers 0x40–0x7F): up to 64 comma-separated bytes (decimal or 0x-hex), 8 rows of oaddr, flags, class-mask, class-filter, type-mask, type-filter, action, action-parameter. Action 1 answers with CLASS1.INFORMATION On (20,3), action 2 with Off (20,4).
   *
   * This interface was referenced by `SimSettings`'s JSON-Schema definition
   * via the `patternProperty` "^decisionmatrix(0|[1-9][0-9]{0,2})$".
   *
   * true: node n is a Level II node; it sends measurements and heartbeats but ignores incoming events (no register protocol, no decision matrix).
   *
   * This interface was referenced by `SimSettings`'s JSON-Schema definition
   * via the `patternProperty` "^blevel2(0|[1-9][0-9]{0,2})$".
   */
  [k: string]: number | string | 10 | 60 | 65 | 70 | 1040 | 1060 | boolean | undefined;
}
