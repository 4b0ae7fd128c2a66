/*
 * The original driver's XML setup (`<prefix>_setup`): one `<setup …/>` element whose attributes
 * override the other settings. A small parser of exactly that shape: an optional XML
 * declaration and comments, the `setup` element with attributes and no content. No DTDs, no
 * external entities, nothing that grows with nesting; the input is bounded. The whole value is
 * secret (it may hold a password), so no message quotes it.
 */
import { DriverConfigError } from '../../runtime/drivers/contract.js';

/** What a `<setup>` element sets; absent = the attribute was missing or empty. */
export interface SetupOverrides {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  rxfilter?: string;
  rxmask?: string;
  txfilter?: string;
  txmask?: string;
  responseTimeoutMs?: number;
}

export const MAX_SETUP_CHARS = 65_536;

/** Attribute names (any case) → field. `response-timeout` is the E3 code's, `responsetimeout` the doc's. */
const ATTRIBUTES: Record<string, keyof SetupOverrides> = {
  host: 'host',
  port: 'port',
  user: 'user',
  password: 'password',
  rxfilter: 'rxfilter',
  rxmask: 'rxmask',
  txfilter: 'txfilter',
  txmask: 'txmask',
  'response-timeout': 'responseTimeoutMs',
  responsetimeout: 'responseTimeoutMs',
};

const ALLOWED = 'host, port, user, password, rxfilter, rxmask, txfilter, txmask, responsetimeout';

function fail(message: string): never {
  throw new DriverConfigError(`setup: ${message}`, 'setup');
}

/**
 * The XML text of a setup value: plain XML, or BASE64 of it (the E4 driver decoded the variable
 * as BASE64), optionally written `BASE64:…`.
 */
export function setupXmlText(value: string): string {
  if (value.length > MAX_SETUP_CHARS) fail(`is ${value.length} characters long; at most ${MAX_SETUP_CHARS} are allowed`);
  let text = value.replace(/^\uFEFF/, '').trim();
  if (text.startsWith('<')) return text;
  const encoded = text.replace(/^base64:/i, '').replace(/\s+/g, '');
  if (encoded === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 === 1) {
    fail('is neither XML (starting with <) nor BASE64 of XML');
  }
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64'));
  } catch {
    fail('is BASE64 of something that is not UTF-8 text; expected BASE64 of <setup …/>');
  }
  text = text.replace(/^\uFEFF/, '').trim();
  if (!text.startsWith('<')) fail('is BASE64 of something that is not XML; expected BASE64 of <setup …/>');
  return text;
}

function decodeEntities(raw: string, attribute: string): string {
  return raw.replace(/&([^;&\s]{0,10});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) fail(`attribute ${attribute}: a bare & must be written &amp;`);
    switch (name) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
    }
    const m = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (m) {
      const code = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
      if (code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) return String.fromCodePoint(code);
    }
    fail(`attribute ${attribute}: unknown character reference &${name}; (allowed: &lt; &gt; &amp; &quot; &apos; &#N; &#xH;)`);
  });
}

/** Skips whitespace, comments and (at the start only) the XML declaration. */
function skipMisc(text: string, pos: number, allowDeclaration: boolean): number {
  for (;;) {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
    if (text.startsWith('<!--', pos)) {
      const end = text.indexOf('-->', pos + 4);
      if (end < 0) fail('has a comment without -->');
      pos = end + 3;
      continue;
    }
    if (allowDeclaration && text.startsWith('<?xml', pos)) {
      const end = text.indexOf('?>', pos);
      if (end < 0) fail('has an XML declaration without ?>');
      pos = end + 2;
      allowDeclaration = false;
      continue;
    }
    return pos;
  }
}

function parseNumber(text: string, attribute: string, min: number, max: number): number {
  const t = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t.slice(2), 16) : /^[0-9]+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) fail(`attribute ${attribute} must be a whole number ${min}..${max}`);
  return n;
}

/** Parses `<setup …/>` (or its BASE64 form) into the settings it overrides. */
export function parseSetupXml(value: string): SetupOverrides {
  const text = setupXmlText(value);
  let pos = skipMisc(text, 0, true);
  if (text.startsWith('<!', pos)) fail('must not contain a DOCTYPE or CDATA');
  const open = /^<([A-Za-z_][-A-Za-z0-9_.:]*)/.exec(text.slice(pos, pos + 64));
  if (!open) fail('has no element; expected <setup …/>');
  if (open[1]!.toLowerCase() !== 'setup') fail(`the element is <${open[1]!.slice(0, 32)}>; expected <setup …/>`);
  pos += open[0].length;

  const out: SetupOverrides = {};
  const seen = new Set<string>();
  let selfClosing = false;
  for (;;) {
    const ws = pos;
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
    if (text.startsWith('/>', pos)) {
      selfClosing = true;
      pos += 2;
      break;
    }
    if (text[pos] === '>') {
      pos += 1;
      break;
    }
    if (pos >= text.length) fail('the <setup> element is not closed');
    if (pos === ws) fail('attributes of <setup> must be separated by white space');
    const attr = /^([A-Za-z_][-A-Za-z0-9_.:]*)\s*=\s*(["'])/.exec(text.slice(pos, pos + 300));
    if (!attr) fail('has something that is no attribute inside <setup …>; expected name="value"');
    const name = attr[1]!;
    const quote = attr[2]!;
    const start = pos + attr[0].length;
    const end = text.indexOf(quote, start);
    if (end < 0) fail(`attribute ${name.slice(0, 32)} has no closing quote`);
    const raw = text.slice(start, end);
    if (raw.includes('<')) fail(`attribute ${name.slice(0, 32)}: < must be written &lt;`);
    pos = end + 1;
    const key = name.toLowerCase();
    const field = ATTRIBUTES[key];
    if (!field) fail(`unknown attribute ${name.slice(0, 32)}; allowed: ${ALLOWED}`);
    if (seen.has(field)) fail(`attribute ${key} is given twice`);
    seen.add(field);
    const v = decodeEntities(raw, key);
    if (v.trim() === '') continue; // the original ignored empty attributes
    switch (field) {
      case 'port':
        out.port = parseNumber(v, key, 1, 65535);
        break;
      case 'responseTimeoutMs':
        out.responseTimeoutMs = parseNumber(v, key, 100, 600_000);
        break;
      case 'password':
        out.password = v; // a password keeps its spaces
        break;
      default:
        out[field] = v.trim();
    }
  }
  if (!selfClosing) {
    pos = skipMisc(text, pos, false);
    const close = /^<\/\s*([A-Za-z_][-A-Za-z0-9_.:]*)\s*>/.exec(text.slice(pos, pos + 64));
    if (!close) fail('the <setup> element takes attributes only; expected </setup> after <setup …>');
    if (close[1]!.toLowerCase() !== 'setup') fail('</setup> expected to close <setup>');
    pos += close[0].length;
  }
  pos = skipMisc(text, pos, false);
  if (pos < text.length) fail('has text after the <setup> element; one <setup …/> element is expected');
  return out;
}
