import { describe, expect, it } from 'vitest';
import { DriverConfigError } from '../../runtime/drivers/contract.js';
import { parseSetupXml } from './setup-xml.js';

function error(text: string): string {
  try {
    parseSetupXml(text);
  } catch (e) {
    expect(e).toBeInstanceOf(DriverConfigError);
    expect((e as DriverConfigError).key).toBe('setup');
    return (e as Error).message;
  }
  throw new Error('no error');
}

describe('setup XML', () => {
  it('reads every attribute of the documented example', () => {
    const xml = `<setup host="localhost"
         port="9598"
         user="admin"
         password="secret"
         rxfilter=""
         rxmask=""
         txfilter="0,20,3,-"
         txmask="0,0xFFFF,0xFFFF,-"
         responsetimeout="2000" />`;
    expect(parseSetupXml(xml)).toEqual({
      host: 'localhost', port: 9598, user: 'admin', password: 'secret', txfilter: '0,20,3,-', txmask: '0,0xFFFF,0xFFFF,-',
      responseTimeoutMs: 2000,
    });
  });

  it('takes the code\'s response-timeout spelling, any attribute case, single quotes, a declaration, comments and a closing tag', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<!-- link to the barn -->\n<SETUP HOST='10.0.0.2' Response-Timeout='0x1F4'></setup>\n<!-- end -->`;
    expect(parseSetupXml(xml)).toEqual({ host: '10.0.0.2', responseTimeoutMs: 500 });
  });

  it('ignores empty attributes, as the original', () => {
    expect(parseSetupXml('<setup host="" port="  " user="u"/>')).toEqual({ user: 'u' });
  });

  it('decodes character references and keeps a password as written', () => {
    expect(parseSetupXml('<setup password=" a&amp;b&lt;&#x41;&#66;&quot; "/>')).toEqual({ password: ' a&b<AB" ' });
  });

  it('accepts BASE64, with or without the BASE64: prefix (E4 read the variable that way)', () => {
    const xml = '<setup host="10.0.0.2" port="9599" user="a" password="b"/>';
    const b64 = Buffer.from(xml).toString('base64');
    const expected = { host: '10.0.0.2', port: 9599, user: 'a', password: 'b' };
    expect(parseSetupXml(b64)).toEqual(expected);
    expect(parseSetupXml(`BASE64:${b64}`)).toEqual(expected);
  });

  it('refuses what is not one <setup> element, naming the problem and never the value', () => {
    expect(error('host=10.0.0.2')).toBe('setup: is neither XML (starting with <) nor BASE64 of XML');
    expect(error(Buffer.from('hello').toString('base64'))).toBe('setup: is BASE64 of something that is not XML; expected BASE64 of <setup …/>');
    expect(error('<config host="a"/>')).toBe('setup: the element is <config>; expected <setup …/>');
    expect(error('<setup hots="a"/>')).toBe('setup: unknown attribute hots; allowed: host, port, user, password, rxfilter, rxmask, txfilter, txmask, responsetimeout');
    expect(error('<setup host="a" HOST="b"/>')).toBe('setup: attribute host is given twice');
    expect(error('<setup port="99999"/>')).toBe('setup: attribute port must be a whole number 1..65535');
    expect(error('<setup responsetimeout="fast"/>')).toBe('setup: attribute responsetimeout must be a whole number 100..600000');
    expect(error('<setup host="a"><host>b</host></setup>')).toBe('setup: the <setup> element takes attributes only; expected </setup> after <setup …>');
    expect(error('<setup host="a"/><setup host="b"/>')).toBe('setup: has text after the <setup> element; one <setup …/> element is expected');
    expect(error('<setup host="a"')).toBe('setup: the <setup> element is not closed');
    expect(error('<setup host="a>')).toBe('setup: attribute host has no closing quote');
    expect(error('<setup host=a/>')).toBe('setup: has something that is no attribute inside <setup …>; expected name="value"');
    expect(error('<setup host="a"user="b"/>')).toBe('setup: attributes of <setup> must be separated by white space');
    expect(error('<setup password="a&b"/>')).toBe('setup: attribute password: a bare & must be written &amp;');
    expect(error('<setup password="&ent;"/>')).toMatch(/^setup: attribute password: unknown character reference &ent;/);
    expect(error('<!DOCTYPE setup [<!ENTITY x SYSTEM "file:///etc/passwd">]><setup host="&x;"/>')).toBe('setup: must not contain a DOCTYPE or CDATA');
    expect(error('<!-- never closed <setup host="a"/>')).toBe('setup: has a comment without -->');
    expect(error('<setup host="' + 'a'.repeat(70_000) + '"/>')).toBe('setup: is 70016 characters long; at most 65536 are allowed');
  });
});
