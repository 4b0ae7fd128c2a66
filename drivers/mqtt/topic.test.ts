import { describe, expect, it } from 'vitest';
import { DriverConfigError } from '../../runtime/drivers/contract.js';
import { createEvent, formatGuid, parseGuid } from '../../runtime/protocol/index.js';
import { capturedGuid, compilePublishTopic, compileSubscribeTopic, topicMatches } from './topic.js';

const event = createEvent({
  head: 0x60, vscpClass: 10, vscpType: 6, obid: 7,
  guid: parseGuid('FF:FF:FF:FF:FF:FF:FF:FE:00:26:55:CA:1F:DA:00:2A'),
});

function error(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DriverConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a DriverConfigError');
}

describe('publish topic templates', () => {
  it('fills every placeholder from the event', () => {
    const t = compilePublishTopic('v/{guid}/{class}/{type}/{head}/{priority}/{obid}/{nickname}/{prefix}', 'topic', 'mqtt1');
    expect(t.render(event)).toBe(`v/${formatGuid(event.guid)}/10/6/96/3/7/42/mqtt1`);
    expect(t.fixed).toBe(false);
  });

  it('allows placeholders inside a level when publishing', () => {
    expect(compilePublishTopic('home/node{nickname}-t{type}', 'topic', 'p').render(event)).toBe('home/node42-t6');
  });

  it('keeps a topic without placeholders as it is', () => {
    const t = compilePublishTopic('vscp', 'topic', 'p');
    expect(t.fixed).toBe(true);
    expect(t.render(event)).toBe('vscp');
  });

  it.each([
    ['vscp/{class', /unmatched/],
    ['vscp/{colour}', /unknown placeholder \{colour\}; allowed: \{guid\}/],
    ['vscp/+', /wildcards are for subscribing/],
    ['vscp/#', /wildcards are for subscribing/],
    ['', /is empty/],
    ['a\u0000b', /NUL/],
  ])('refuses %j', (template, message) => {
    expect(error(() => compilePublishTopic(template, 'publish_topic', 'p'))).toMatch(message);
  });

  it('refuses a prefix that would put a wildcard into the topic', () => {
    expect(error(() => compilePublishTopic('vscp/{prefix}', 'topic', 'a+b'))).toMatch(/prefix/);
  });
});

describe('subscribe topic filters', () => {
  it('turns placeholders into + and remembers where they are', () => {
    const t = compileSubscribeTopic('vscp/{guid}/{class}/#', 'topic');
    expect(t.filter).toBe('vscp/+/+/#');
    expect(t.captures.get('guid')).toBe(1);
  });

  it.each([
    ['vscp/a#', /# must be a whole level and the last one/],
    ['vscp/#/x', /# must be a whole level and the last one/],
    ['vscp/a+', /\+ must be a whole level/],
    ['vscp/dev{guid}', /placeholder must fill a whole level/],
    ['{guid}/{guid}', /appears twice/],
  ])('refuses %j', (template, message) => {
    expect(error(() => compileSubscribeTopic(template, 'subscribe_topic'))).toMatch(message);
  });
});

describe('MQTT topic matching (fixes the original prefix rule, M6)', () => {
  const m = (filter: string, topic: string): boolean => topicMatches(compileSubscribeTopic(filter, 't').levels, topic);

  it('M6: a plain topic does not take messages of deeper topics', () => {
    expect(m('vscp', 'vscp/a')).toBe(false);
    expect(m('vscp', 'vscp')).toBe(true);
    expect(m('vscp/a', 'vscp')).toBe(false);
  });

  it.each([
    ['vscp/#', 'vscp/a/b', true],
    ['vscp/#', 'vscp', true],
    ['vscp/+', 'vscp/a', true],
    ['vscp/+', 'vscp/a/b', false],
    ['vscp/+/t', 'vscp/x/t', true],
    ['vscp/+/t', 'vscp/x/u', false],
    ['#', 'a/b', true],
    ['#', '$SYS/broker', false],
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker', true],
    ['a//b', 'a//b', true],
    ['a/+/b', 'a//b', true],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(m(filter, topic)).toBe(expected);
  });
});

describe('GUID from a topic level', () => {
  it('reads the {guid} level', () => {
    const t = compileSubscribeTopic('sensors/{guid}/temperature', 't');
    expect(formatGuid(capturedGuid(t, 'sensors/FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:07/temperature')!))
      .toBe('FF:FF:FF:FF:FF:FF:FF:F5:00:00:00:00:00:00:00:07');
  });

  it('gives null without a {guid} placeholder', () => {
    expect(capturedGuid(compileSubscribeTopic('sensors/+/temperature', 't'), 'sensors/x/temperature')).toBeNull();
  });

  it('rejects a level that is not a full GUID', () => {
    const t = compileSubscribeTopic('sensors/{guid}', 't');
    expect(() => capturedGuid(t, 'sensors/kitchen')).toThrow(/topic level 2 "kitchen" is not a GUID/);
    expect(() => capturedGuid(t, 'sensors/01:02')).toThrow(/not a GUID/);
  });
});
