import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import { MAX_EVENT_JSON_LENGTH, eventToJsonObject, formatEventJson, parseEventJson } from './event-json.js';
import { parseEvent, formatEvent } from './event-text.js';
import { formatGuid } from './guid.js';

const H10 = '96,20,3,0,2019-01-02T03:04:05Z,1000,FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:1F:DA:00:01,0x00,0x01,0x23';

describe('event JSON', () => {
  it('writes the vscp.h key order on one line', () => {
    expect(formatEventJson(parseEvent(H10), 'hall')).toBe(
      '{"head":96,"obid":0,"datetime":"2019-01-02T03:04:05Z","timestamp":1000,"class":20,"type":3,' +
        '"guid":"FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:1F:DA:00:01","data":[0,1,35],"note":"hall"}',
    );
    const unset = eventToJsonObject(parseEvent('0,1,2,0,,55,-'));
    expect(unset.datetime).toBe('');
    expect(unset.data).toEqual([]);
    expect(unset.note).toBe('');
  });

  it('round-trips events and notes', () => {
    const e = parseEvent(H10);
    const back = parseEventJson(formatEventJson(e, 'a "quoted" note\n'));
    expect(back.event).toEqual(e);
    expect(back.note).toBe('a "quoted" note\n');
  });

  it('is lenient about forms other writers use', () => {
    const r = parseEventJson({
      vscpHead: '0x60', vscpClass: '10', vscpType: 6, vscpGuid: '-', vscpData: '0x88,0x81,0,225', vscpDateTime: '2020-05-06T07:08:09', vscpNote: 'x',
    });
    expect(formatEvent(r.event)).toBe('96,10,6,0,2020-05-06T07:08:09Z,0,00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00,0x88,0x81,0x00,0xE1');
    expect(r.note).toBe('x');
    const minimal = parseEventJson('{"class":20,"type":3}');
    expect(minimal.event.head).toBe(0);
    expect(minimal.event.dateTime).toBeNull();
    expect(formatGuid(minimal.event.guid)).toBe('00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00');
    expect(parseEventJson('{"class":20,"type":3,"datetime":null,"data":["0x01", 2]}').event.data).toEqual(Uint8Array.from([1, 2]));
  });

  it('says what is wrong with bad input', () => {
    const bad: [unknown, RegExp][] = [
      ['not json', /is not valid JSON/],
      ['[1,2]', /must be an object/],
      ['null', /must be an object/],
      ['{"type":3}', /has no "class"/],
      ['{"class":70000,"type":3}', /"class": 70000 is out of range 0..65535/],
      ['{"class":20,"type":3,"data":[256]}', /"data\[0\]": 256 is out of range 0..255/],
      ['{"class":20,"type":3,"data":[1.5]}', /out of range/],
      ['{"class":20,"type":3,"data":{}}', /"data" must be an array/],
      ['{"class":20,"type":3,"guid":"zz"}', /"guid": GUID "zz"/],
      ['{"class":20,"type":3,"datetime":"yesterday"}', /"datetime"/],
      ['{"class":20,"type":3,"note":5}', /"note" must be a string/],
      ['{"class":true,"type":3}', /"class" must be a number/],
      [{ class: 20, type: 3, data: new Array(513).fill(0) }, /513 bytes, at most 512/],
    ];
    for (const [input, message] of bad) {
      expect(() => parseEventJson(input), String(input)).toThrow(ProtocolError);
      expect(() => parseEventJson(input)).toThrow(message);
    }
  });

  it('bounds the text it parses', () => {
    const long = `{"class":20,"type":3,"note":"${'x'.repeat(MAX_EVENT_JSON_LENGTH)}"}`;
    expect(() => parseEventJson(long)).toThrow(/longer than 65536/);
  });
});
