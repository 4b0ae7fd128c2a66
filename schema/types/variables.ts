// Generated from the JSON Schema by `npm run gen:types`. Do not edit by hand.
/**
 * The declared variable file (INI): one `[NAME]` section per variable. Names are case-insensitive (stored upper-case; `;`, `'`, `"`, `,` and space become `_`). The daemon never writes this file; values changed at run time live in the state folder.
 */
export interface Variables {
  [k: string]: Variable;
}
/**
 * One daemon variable. A variable named `<prefix>_<key>` overrides that key of the driver whose section is `[driver.<prefix>]`.
 */
export interface Variable {
  /**
   * Value type: a name (`string`, `bool`, `int`, `long`, `double`, `measurement`, `event`, `guid`, `data`, `vscpclass`, `vscptype`, `timestamp`, `datetime`, `date`, `time`, `blob`, `json`, …) or its vscpd v13 code.
   */
  type?: string;
  /**
   * The value in plain text (never BASE64), checked against the type: bool true/false (yes/no, on/off, 1/0), int 32-bit, long 64-bit, double, measurement `value,unit,sensoridx,zone,subzone`, event text, GUID, data `0x01,0x02`, datetime `YYYY-MM-DDTHH:MM:SS`, blob BASE64. Empty: the type's reset value.
   */
  value?: string;
  /**
   * Free text about the variable.
   */
  note?: string;
  /**
   * Keep values written at run time across restarts (in the state folder).
   */
  persistent?: boolean;
  /**
   * Numeric id of the owning user (0 = admin).
   */
  owner?: number;
  /**
   * Unix-like access rights, usually written in hex: owner 0x400/0x200/0x100 (r/w/x), group 0x040/0x020/0x010, other 0x004/0x002/0x001. Default 0x744.
   */
  rights?: number;
}
