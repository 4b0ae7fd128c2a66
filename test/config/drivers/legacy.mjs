// Test-only driver with its own legacy config parser and a warning logged from create().
class DriverConfigError extends Error {
  constructor(message, key) {
    super(message);
    this.name = 'DriverConfigError';
    this.key = key;
  }
}

export default {
  id: 'legacy',
  metadata: { level: 2, version: '1.0.0', vendor: 'vscpd tests', description: 'Test legacy driver' },
  schema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    description: 'A test driver with a legacy config parser.',
    type: 'object',
    additionalProperties: false,
    'x-positional': ['host', 'topic'],
    properties: {
      host: { type: 'string', format: 'host-port', default: 'localhost:1883', description: 'Broker.', 'x-reload': 'driver-restart' },
      topic: { type: 'string', default: 'vscp', description: 'Topic.', 'x-reload': 'hot' },
      legacy_warning: { type: 'boolean', default: false, description: 'Log a warning from create().', 'x-reload': 'hot' },
    },
  },
  parseLegacyConfig(config) {
    const parts = config.split(';');
    if (parts.length > 2) throw new DriverConfigError(`config: takes host;topic, got ${parts.length} fields`, 'config');
    const out = {};
    if (parts[0]) out.host = parts[0].trim();
    if (parts[1]) out.topic = parts[1].trim();
    return out;
  },
  create(ctx, s) {
    if (s.legacy_warning) ctx.log.warn('Topic is deprecated here');
    return { start: async () => {}, stop: async () => {} };
  },
};
