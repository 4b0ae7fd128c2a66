// Test-only driver that claims a TCP listen address.
export default {
  id: 'listener',
  metadata: { level: 2, version: '1.0.0', vendor: 'vscpd tests', description: 'Listens' },
  schema: {
    type: 'object', additionalProperties: false, description: 'Listens on an address.',
    properties: { listen: { type: 'string', format: 'host-port', default: '127.0.0.1:9700', description: 'Address.', 'x-reload': 'driver-restart' } },
  },
  resources: (s) => [{ kind: 'tcp-listen', id: s.listen }],
  create: () => ({ start: async () => {}, stop: async () => {} }),
};
