/*
 * Topics: publish templates filled from the event (`vscp/{guid}/{class}/{type}`), subscribe
 * filters with MQTT wildcards, and the MQTT matching rule. The original driver accepted a
 * message when the received topic was a prefix of the configured one and so delivered nothing
 * below a wildcard; here matching follows the MQTT specification.
 */
import { DriverConfigError } from '../../runtime/drivers/contract.js';
import { type Guid, type VscpEvent, ProtocolError, formatGuid, parseGuid, priorityOf } from '../../runtime/protocol/index.js';

export const TOPIC_FIELDS = ['guid', 'class', 'type', 'head', 'priority', 'obid', 'nickname', 'prefix'] as const;
export type TopicField = (typeof TOPIC_FIELDS)[number];

const MAX_TOPIC_BYTES = 65535;

export interface PublishTopic {
  template: string;
  /** Fills the template for one event. */
  render(event: VscpEvent): string;
  /** true when the topic is the same for every event (no placeholder). */
  fixed: boolean;
}

export interface SubscribeTopic {
  template: string;
  /** The filter sent to the broker: placeholders become `+`. */
  filter: string;
  /** Filter levels, for matching. */
  levels: readonly string[];
  /** Level index of each placeholder. */
  captures: ReadonlyMap<TopicField, number>;
}

function isField(name: string): name is TopicField {
  return (TOPIC_FIELDS as readonly string[]).includes(name);
}

function checkCommon(text: string, key: string): void {
  if (text === '') throw new DriverConfigError(`${key}: is empty; a topic needs at least one character`, key);
  if (text.includes('\u0000')) throw new DriverConfigError(`${key}: contains a NUL character, which MQTT does not allow in topics`, key);
  if (Buffer.byteLength(text, 'utf8') > MAX_TOPIC_BYTES) throw new DriverConfigError(`${key}: is longer than ${MAX_TOPIC_BYTES} bytes`, key);
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

function checkPlaceholders(text: string, key: string): void {
  const stripped = text.replace(PLACEHOLDER, (_, name: string) => {
    if (!isField(name)) {
      throw new DriverConfigError(`${key}: unknown placeholder {${name}}; allowed: ${TOPIC_FIELDS.map((f) => `{${f}}`).join(', ')}`, key);
    }
    return '';
  });
  if (/[{}]/.test(stripped)) throw new DriverConfigError(`${key}: "${text}" has an unmatched { or }`, key);
}

export function compilePublishTopic(template: string, key: string, prefix: string): PublishTopic {
  checkCommon(template, key);
  checkPlaceholders(template, key);
  if (/[+#]/.test(template)) {
    throw new DriverConfigError(`${key}: "${template}" contains + or #; wildcards are for subscribing, a published topic must be concrete`, key);
  }
  const parts: (string | TopicField)[] = [];
  const literal: boolean[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index! > last) { parts.push(template.slice(last, m.index)); literal.push(true); }
    const name = m[1] as TopicField;
    if (name === 'prefix') { parts.push(prefix); literal.push(true); } else { parts.push(name); literal.push(false); }
    last = m.index! + m[0].length;
  }
  if (last < template.length) { parts.push(template.slice(last)); literal.push(true); }
  if (literal.every(Boolean)) {
    const topic = parts.join('');
    if (/[+#]/.test(topic)) throw new DriverConfigError(`${key}: the driver prefix puts a + or # into the topic`, key);
    return { template, fixed: true, render: () => topic };
  }
  return {
    template,
    fixed: false,
    render(event) {
      let out = '';
      for (let i = 0; i < parts.length; i++) out += literal[i] ? parts[i] : fieldValue(parts[i] as TopicField, event);
      return out;
    },
  };
}

function fieldValue(field: TopicField, event: VscpEvent): string {
  switch (field) {
    case 'guid': return formatGuid(event.guid);
    case 'class': return String(event.vscpClass);
    case 'type': return String(event.vscpType);
    case 'head': return String(event.head);
    case 'priority': return String(priorityOf(event.head));
    case 'obid': return String(event.obid);
    case 'nickname': return String(event.guid[15]);
    case 'prefix': return '';
  }
}

export function compileSubscribeTopic(template: string, key: string): SubscribeTopic {
  checkCommon(template, key);
  checkPlaceholders(template, key);
  const captures = new Map<TopicField, number>();
  const levels = template.split('/').map((level, i, all) => {
    const whole = /^\{([^{}]*)\}$/.exec(level);
    if (whole) {
      const name = whole[1] as TopicField;
      if (captures.has(name)) throw new DriverConfigError(`${key}: placeholder {${name}} appears twice`, key);
      captures.set(name, i);
      return '+';
    }
    if (level.includes('{')) {
      throw new DriverConfigError(`${key}: "${level}": in a subscribe topic a placeholder must fill a whole level, e.g. vscp/{guid}/#`, key);
    }
    if (level.includes('#') && (level !== '#' || i !== all.length - 1)) {
      throw new DriverConfigError(`${key}: "${template}": # must be a whole level and the last one, e.g. vscp/#`, key);
    }
    if (level.includes('+') && level !== '+') {
      throw new DriverConfigError(`${key}: "${template}": + must be a whole level, e.g. vscp/+/temperature`, key);
    }
    return level;
  });
  return { template, filter: levels.join('/'), levels, captures };
}

/** The MQTT rule: `+` one level, a final `#` this level and all below; wildcards at the start never match `$…` topics. */
export function topicMatches(levels: readonly string[], topic: string): boolean {
  const parts = topic.split('/');
  if (topic.startsWith('$') && (levels[0] === '+' || levels[0] === '#')) return false;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level === '#') return true;
    if (i >= parts.length) return false;
    if (level !== '+' && level !== parts[i]) return false;
  }
  return parts.length === levels.length;
}

/** The GUID a `{guid}` level of a received topic names, or null when the filter has none. Throws ProtocolError for a level that is not a GUID. */
export function capturedGuid(sub: SubscribeTopic, topic: string): Guid | null {
  const at = sub.captures.get('guid');
  if (at === undefined) return null;
  const level = topic.split('/')[at] ?? '';
  try {
    return parseGuid(level, { strict: true });
  } catch (e) {
    throw new ProtocolError(`topic level ${at + 1} "${level}" is not a GUID: ${(e as Error).message}`);
  }
}
