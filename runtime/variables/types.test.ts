import { describe, expect, it } from 'vitest';
import {
  DEFAULT_VARIABLE_RIGHTS,
  VariableType,
  VariableValueError,
  isKnownVariableType,
  isStringClassType,
  normalizeVariableName,
  normalizeVariableValue,
  resetVariableValue,
  variableTypeFromToken,
  variableTypeName,
  variableTypeToken,
} from './types.js';

const ALL_CODES = Object.values(VariableType);

function rejects(type: number, text: string, ...fragments: string[]): void {
  let error: unknown;
  try {
    normalizeVariableValue(type, text);
  } catch (e) {
    error = e;
  }
  expect(error, `${variableTypeToken(type)} "${text}" should be rejected`).toBeInstanceOf(VariableValueError);
  for (const f of fragments) expect((error as Error).message).toContain(f);
}

describe('type tokens', () => {
  it.each([
    ['string', 1], ['STRING', 1], ['bool', 2], ['Boolean', 2], ['INT', 3], ['integer', 3], ['long', 4],
    ['float', 5], ['double', 5], ['measurement', 6], ['event', 7], ['VscpEvent', 7], ['eventguid', 8],
    ['guid', 8], ['eventdata', 9], ['data', 9], ['eventclass', 10], ['vscpclass', 10], ['eventtype', 11],
    ['vscptype', 11], ['eventtimestamp', 12], ['timestamp', 12], ['datetime', 13], ['date', 14], ['time', 15],
    ['blob', 16], ['mime', 100], ['html', 101], ['javascript', 102], ['json', 103], ['xml', 104], ['sql', 105],
    ['lua', 200], ['luares', 201], ['LUARES', 201], ['ux1', 300], ['uxtype1', 300], ['dmrow', 500],
    ['driver', 501], ['user', 502], ['filter', 503], ['3', 3], ['0x03', 3], ['  int  ', 3], ['201', 201], ['0x1F7', 503],
  ])('%s → %i', (token, code) => {
    expect(variableTypeFromToken(token)).toBe(code);
  });

  it('rejects unknown words and codes, listing what is allowed', () => {
    for (const bad of ['integr', 'str', '', '17', '0', 'unassigned', '-1', '0xZZ']) {
      expect(() => variableTypeFromToken(bad)).toThrow(VariableValueError);
    }
    expect(() => variableTypeFromToken('integr')).toThrow(/"integr" is unknown; allowed: string, bool, int, long, double/);
  });

  it('prints v13 names and file tokens that read back to the same code', () => {
    expect(variableTypeName(1)).toBe('String');
    expect(variableTypeName(2)).toBe('Boolean');
    expect(variableTypeName(3)).toBe('Integer');
    expect(variableTypeName(5)).toBe('Double');
    expect(variableTypeName(7)).toBe('VscpEvent');
    expect(variableTypeName(8)).toBe('VscpGuid');
    expect(variableTypeName(500)).toBe('DMrow');
    expect(variableTypeToken(2)).toBe('bool');
    expect(variableTypeToken(8)).toBe('guid');
    for (const code of ALL_CODES) {
      if (code === 0) continue;
      expect(variableTypeFromToken(variableTypeToken(code))).toBe(code);
      expect(variableTypeFromToken(variableTypeName(code))).toBe(code);
    }
    expect(() => variableTypeName(17)).toThrow(VariableValueError);
    expect(() => variableTypeToken(99)).toThrow(/type 99 is unknown/);
  });

  it('knows which codes exist and which were stored BASE64 by v13', () => {
    expect(ALL_CODES.every(isKnownVariableType)).toBe(true);
    expect(isKnownVariableType(17)).toBe(false);
    expect(isKnownVariableType(106)).toBe(false);
    const stringClass = ALL_CODES.filter(isStringClassType);
    expect(stringClass).toEqual([1, 16, 100, 101, 102, 103, 104, 105, 200, 201, 300, 500, 501, 502, 503]);
    expect(isStringClassType(999)).toBe(false);
  });

  it('has the v13 default rights', () => {
    expect(DEFAULT_VARIABLE_RIGHTS).toBe(1860);
    expect(DEFAULT_VARIABLE_RIGHTS.toString(16)).toBe('744');
  });
});

describe('normalizeVariableValue', () => {
  it('bool accepts the usual spellings and writes true/false', () => {
    for (const t of ['true', 'TRUE', ' yes ', 'On', '1']) expect(normalizeVariableValue(VariableType.BOOL, t)).toBe('true');
    for (const t of ['false', 'No', 'off', '0']) expect(normalizeVariableValue(VariableType.BOOL, t)).toBe('false');
    rejects(VariableType.BOOL, 'untrue', 'bool value "untrue" is invalid', 'true, false, yes, no, on, off, 1, 0');
    rejects(VariableType.BOOL, '');
  });

  it('int is 32-bit signed, decimal or hex in, decimal out', () => {
    expect(normalizeVariableValue(VariableType.INT, '42')).toBe('42');
    expect(normalizeVariableValue(VariableType.INT, ' -17 ')).toBe('-17');
    expect(normalizeVariableValue(VariableType.INT, '0x1F')).toBe('31');
    expect(normalizeVariableValue(VariableType.INT, '0X10')).toBe('16');
    expect(normalizeVariableValue(VariableType.INT, '+010')).toBe('10');
    expect(normalizeVariableValue(VariableType.INT, '2147483647')).toBe('2147483647');
    expect(normalizeVariableValue(VariableType.INT, '-2147483648')).toBe('-2147483648');
    rejects(VariableType.INT, '2147483648', 'int value "2147483648" is invalid', '-2147483648..2147483647');
    rejects(VariableType.INT, '0xFFFFFFFF', '-2147483648..2147483647');
    rejects(VariableType.INT, '1.5');
    rejects(VariableType.INT, 'abc');
    rejects(VariableType.INT, '');
  });

  it('long is 64-bit signed and exact beyond the safe Number range', () => {
    expect(normalizeVariableValue(VariableType.LONG, '9223372036854775807')).toBe('9223372036854775807');
    expect(normalizeVariableValue(VariableType.LONG, '-9223372036854775808')).toBe('-9223372036854775808');
    expect(normalizeVariableValue(VariableType.LONG, '9007199254740993')).toBe('9007199254740993');
    expect(normalizeVariableValue(VariableType.LONG, '0x7FFFFFFFFFFFFFFF')).toBe('9223372036854775807');
    rejects(VariableType.LONG, '9223372036854775808', '-9223372036854775808..9223372036854775807');
    rejects(VariableType.LONG, '1e3');
  });

  it('double writes the shortest exact form', () => {
    expect(normalizeVariableValue(VariableType.DOUBLE, '21.500000')).toBe('21.5');
    expect(normalizeVariableValue(VariableType.DOUBLE, '-0.25')).toBe('-0.25');
    expect(normalizeVariableValue(VariableType.DOUBLE, '.5')).toBe('0.5');
    expect(normalizeVariableValue(VariableType.DOUBLE, '1.5e-3')).toBe('0.0015');
    expect(normalizeVariableValue(VariableType.DOUBLE, '1e21')).toBe('1e+21');
    expect(normalizeVariableValue(VariableType.DOUBLE, '0.0000001')).toBe('1e-7');
    expect(normalizeVariableValue(VariableType.DOUBLE, '-0')).toBe('0');
    expect(normalizeVariableValue(VariableType.DOUBLE, '42')).toBe('42');
    expect(normalizeVariableValue(VariableType.DOUBLE, '0.1')).toBe('0.1');
    rejects(VariableType.DOUBLE, '21,5', 'double value "21,5" is invalid', 'finite decimal number');
    rejects(VariableType.DOUBLE, 'NaN');
    rejects(VariableType.DOUBLE, 'Infinity');
    rejects(VariableType.DOUBLE, '1e999');
    rejects(VariableType.DOUBLE, '0x10');
    rejects(VariableType.DOUBLE, '');
  });

  it('measurement fills defaults and checks byte fields', () => {
    expect(normalizeVariableValue(VariableType.MEASUREMENT, '21.5')).toBe('21.5,0,0,255,255');
    expect(normalizeVariableValue(VariableType.MEASUREMENT, '21.50,1')).toBe('21.5,1,0,255,255');
    expect(normalizeVariableValue(VariableType.MEASUREMENT, '-5.25,1,2,3,4')).toBe('-5.25,1,2,3,4');
    expect(normalizeVariableValue(VariableType.MEASUREMENT, '1, 0x02, ,7')).toBe('1,2,0,7,255');
    rejects(VariableType.MEASUREMENT, '21.5,256', 'unit must be 0..255', 'value,unit,sensoridx,zone,subzone');
    rejects(VariableType.MEASUREMENT, 'warm,1', 'value must be a finite decimal number');
    rejects(VariableType.MEASUREMENT, '1,2,3,4,5,6', 'value,unit,sensoridx,zone,subzone');
    rejects(VariableType.MEASUREMENT, '1,0,-1', 'sensoridx must be 0..255');
  });

  it('event is written as the daemon writes events', () => {
    expect(normalizeVariableValue(VariableType.EVENT, '0,20,3,,,,-,0,1,35')).toBe(
      '0,20,3,0,,0,00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00,0x00,0x01,0x23',
    );
    expect(normalizeVariableValue(VariableType.EVENT, '0x60,10,6,0,2018-08-30T12:34:56,0,FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:01,0x89,0x82,8,44')).toBe(
      '96,10,6,0,2018-08-30T12:34:56Z,0,FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:01,0x89,0x82,0x08,0x2C',
    );
    rejects(VariableType.EVENT, '0,70000,3,,,,-', 'event value', 'class');
    rejects(VariableType.EVENT, 'hello', 'event value "hello" is invalid');
  });

  it('guid is upper-case, 16 bytes, - or empty is all zero', () => {
    expect(normalizeVariableValue(VariableType.GUID, 'ff:ff:ff:ff:ff:ff:ff:fe:b8:27:eb:a:0:1:0:0')).toBe(
      'FF:FF:FF:FF:FF:FF:FF:FE:B8:27:EB:0A:00:01:00:00',
    );
    expect(normalizeVariableValue(VariableType.GUID, '-')).toBe('00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00');
    expect(normalizeVariableValue(VariableType.GUID, '')).toBe('00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00');
    rejects(VariableType.GUID, 'FF:FF', 'must be 16 colon-separated hex bytes');
    rejects(VariableType.GUID, 'zz:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00');
    rejects(VariableType.GUID, Array(17).fill('00').join(':'));
  });

  it('data is a 0x list', () => {
    expect(normalizeVariableValue(VariableType.DATA, '0,1, 35,0xff')).toBe('0x00,0x01,0x23,0xFF');
    expect(normalizeVariableValue(VariableType.DATA, '')).toBe('');
    rejects(VariableType.DATA, '1,256', 'data value "1,256" is invalid', '0..255');
    rejects(VariableType.DATA, Array(513).fill('1').join(','), 'at most 512');
    rejects(VariableType.DATA, '1,,2', 'empty');
  });

  it('class, type and timestamp are bounded unsigned numbers', () => {
    expect(normalizeVariableValue(VariableType.VSCP_CLASS, '0xFFFF')).toBe('65535');
    expect(normalizeVariableValue(VariableType.VSCP_TYPE, '6')).toBe('6');
    expect(normalizeVariableValue(VariableType.TIMESTAMP, '4294967295')).toBe('4294967295');
    rejects(VariableType.VSCP_CLASS, '65536', 'vscpclass value "65536" is invalid', '0..65535');
    rejects(VariableType.VSCP_TYPE, '-1', '0..65535');
    rejects(VariableType.TIMESTAMP, '4294967296', '0..4294967295');
  });

  it('datetime, date and time have fixed forms and real calendar values', () => {
    expect(normalizeVariableValue(VariableType.DATETIME, '2018-08-30T10:11:12')).toBe('2018-08-30T10:11:12');
    expect(normalizeVariableValue(VariableType.DATETIME, '2018-8-3 1:02:03Z')).toBe('2018-08-03T01:02:03');
    expect(normalizeVariableValue(VariableType.DATETIME, '2018-08-30T10:11:12.345Z')).toBe('2018-08-30T10:11:12');
    expect(normalizeVariableValue(VariableType.DATETIME, '2018-08-30T10:11')).toBe('2018-08-30T10:11:00');
    expect(normalizeVariableValue(VariableType.DATE, '2020-02-29')).toBe('2020-02-29');
    expect(normalizeVariableValue(VariableType.TIME, '7:05')).toBe('07:05:00');
    expect(normalizeVariableValue(VariableType.TIME, '23:59:59')).toBe('23:59:59');
    rejects(VariableType.DATETIME, '2018-02-30T10:11:12', 'no such calendar date');
    rejects(VariableType.DATETIME, '2018-08-30', 'YYYY-MM-DDTHH:MM:SS');
    rejects(VariableType.DATE, '2019-02-29', 'no such calendar date');
    rejects(VariableType.DATE, '30.08.2018', 'YYYY-MM-DD');
    rejects(VariableType.TIME, '24:00:00', '00:00:00..23:59:59');
    rejects(VariableType.TIME, 'noon', 'HH:MM:SS');
  });

  it('blob must be BASE64; whitespace goes and padding is added', () => {
    expect(normalizeVariableValue(VariableType.BLOB, 'aGVsbG8=')).toBe('aGVsbG8=');
    expect(normalizeVariableValue(VariableType.BLOB, 'aGVs bG8')).toBe('aGVsbG8=');
    expect(normalizeVariableValue(VariableType.BLOB, '')).toBe('');
    rejects(VariableType.BLOB, 'not base64!', 'must be BASE64');
    rejects(VariableType.BLOB, 'a', 'must be BASE64');
    rejects(VariableType.BLOB, 'aG=Vs', 'must be BASE64');
  });

  it('string-class values are kept as given', () => {
    for (const code of ALL_CODES.filter((c) => isStringClassType(c) && c !== VariableType.BLOB)) {
      expect(normalizeVariableValue(code, '  a;b, "c" ')).toBe('  a;b, "c" ');
      expect(normalizeVariableValue(code, '')).toBe('');
    }
  });

  it('unassigned and unknown types hold no value', () => {
    expect(() => normalizeVariableValue(VariableType.UNASSIGNED, 'x')).toThrow(/holds no value/);
    expect(() => normalizeVariableValue(17, 'x')).toThrow(/type 17 is unknown/);
  });

  it('every canonical form is a fixed point', () => {
    const samples: Record<number, string> = {
      2: 'yes', 3: '0x10', 4: '-5', 5: '2.50', 6: '3,1', 7: '0,20,3,,,,-,1', 8: '1:2:3:4:5:6:7:8:9:a:b:c:d:e:f:10',
      9: '1,2', 10: '10', 11: '6', 12: '99', 13: '2020-1-2 3:4:5', 14: '2020-1-2', 15: '3:4:5', 16: 'YQ',
    };
    for (const [code, text] of Object.entries(samples)) {
      const once = normalizeVariableValue(Number(code), text);
      expect(normalizeVariableValue(Number(code), once)).toBe(once);
    }
  });
});

describe('resetVariableValue', () => {
  const now = new Date(Date.UTC(2021, 0, 2, 3, 4, 5));
  it('gives the v13 reset values, date and time from the given moment in UTC', () => {
    expect(resetVariableValue(VariableType.STRING)).toBe('');
    expect(resetVariableValue(VariableType.BOOL)).toBe('false');
    expect(resetVariableValue(VariableType.INT)).toBe('0');
    expect(resetVariableValue(VariableType.LONG)).toBe('0');
    expect(resetVariableValue(VariableType.DOUBLE)).toBe('0');
    expect(resetVariableValue(VariableType.MEASUREMENT)).toBe('0,0,0,255,255');
    expect(resetVariableValue(VariableType.GUID)).toBe('00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00');
    expect(resetVariableValue(VariableType.DATA)).toBe('');
    expect(resetVariableValue(VariableType.EVENT)).toBe('0,0,0,0,,0,00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00');
    expect(resetVariableValue(VariableType.DATETIME, now)).toBe('2021-01-02T03:04:05');
    expect(resetVariableValue(VariableType.DATE, now)).toBe('2021-01-02');
    expect(resetVariableValue(VariableType.TIME, now)).toBe('03:04:05');
    expect(resetVariableValue(VariableType.BLOB)).toBe('');
    expect(() => resetVariableValue(42)).toThrow(VariableValueError);
  });

  it('every reset value is valid for its type', () => {
    for (const code of ALL_CODES) {
      if (code === 0) continue;
      const v = resetVariableValue(code, now);
      expect(normalizeVariableValue(code, v)).toBe(v);
    }
  });
});

describe('normalizeVariableName', () => {
  it('upper-cases, trims and replaces separators like v13', () => {
    expect(normalizeVariableName('  mqtt1_topic ')).toBe('MQTT1_TOPIC');
    expect(normalizeVariableName("a;b'c\"d,e f")).toBe('A_B_C_D_E_F');
    expect(normalizeVariableName('vscp.version.major')).toBe('VSCP.VERSION.MAJOR');
  });

  it('rejects empty names and control characters', () => {
    expect(() => normalizeVariableName('   ')).toThrow(/variable name is empty/);
    expect(() => normalizeVariableName('')).toThrow(VariableValueError);
    expect(() => normalizeVariableName('a\nb')).toThrow(/control character/);
    expect(() => normalizeVariableName('a\tb')).toThrow(/control character/);
  });
});
