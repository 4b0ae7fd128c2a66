// Test-only driver whose schema misses x-reload on a field.
export default {
  id: 'brokenschema',
  metadata: { level: 2, version: '1.0.0', vendor: 'vscpd tests', description: 'Broken schema' },
  schema: {
    type: 'object',
    additionalProperties: false,
    description: 'Broken.',
    properties: { speed: { type: 'integer', description: 'Speed.' } },
  },
  create: () => ({ start: async () => {}, stop: async () => {} }),
};
