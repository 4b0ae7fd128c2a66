// Test-only driver: a serial device driver with the schema features real drivers use
// (positional config, enum, pattern keys, a path, a secret, a resource, a create-time check).
class DriverConfigError extends Error {
  constructor(message, key) {
    super(message);
    this.name = 'DriverConfigError';
    this.key = key;
  }
}

export default {
  id: 'serial',
  metadata: { level: 2, version: '1.0.0', vendor: 'vscpd tests', description: 'Test serial driver' },
  schema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    description: 'A test serial driver.',
    type: 'object',
    additionalProperties: false,
    required: ['device'],
    'x-positional': ['device', 'baudrate', 'mode'],
    properties: {
      device: { type: 'string', minLength: 1, description: 'Serial device.', 'x-reload': 'driver-restart', examples: ['/dev/ttyUSB0'] },
      baudrate: { type: 'integer', enum: [9600, 19200, 115200], default: 115200, description: 'Speed.', 'x-reload': 'driver-restart' },
      mode: { type: 'string', enum: ['master', 'slave'], default: 'master', description: 'Bus role.', 'x-reload': 'driver-restart' },
      address: { type: 'integer', minimum: 0, maximum: 247, default: 0, description: 'Slave address.', 'x-reload': 'hot' },
      trace: { type: 'boolean', default: false, description: 'Trace frames.', 'x-reload': 'hot' },
      logfile: { type: 'string', format: 'path', default: '', description: 'Trace file.', 'x-reload': 'hot' },
      password: { type: 'string', default: '', description: 'Device password.', 'x-secret': true, 'x-reload': 'driver-restart' },
      filter: { type: 'string', format: 'vscp-filter', default: '', description: 'Filter.', 'x-reload': 'hot' },
      ratio: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'A ratio.', 'x-reload': 'hot' },
    },
    patternProperties: {
      '^channel[0-9]{1,2}$': { type: 'integer', minimum: 0, maximum: 255, description: 'Channel n.', 'x-reload': 'hot' },
    },
  },
  resources: (s) => [{ kind: 'serial', id: s.device }],
  create(ctx, s) {
    if (s.mode === 'slave' && s.address === 0) throw new DriverConfigError('address: a slave needs an address 1..247', 'address');
    return { start: async () => {}, stop: async () => {} };
  },
};
