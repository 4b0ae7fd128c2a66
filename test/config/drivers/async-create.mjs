// Test-only driver whose create() is (wrongly) async.
export default {
  id: 'asynccreate',
  metadata: { level: 2, version: '1.0.0', vendor: 'vscpd tests', description: 'Async create' },
  schema: { type: 'object', additionalProperties: false, description: 'Async.', properties: {} },
  async create() {
    return { start: async () => {}, stop: async () => {} };
  },
};
