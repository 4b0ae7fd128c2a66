// Test-only driver whose create() fails with an ordinary error.
export default {
  id: 'throws',
  metadata: { level: 2, version: '1.0.0', vendor: 'vscpd tests', description: 'Throws in create' },
  schema: { type: 'object', additionalProperties: false, description: 'Throws.', properties: {} },
  create() {
    throw new Error('cannot derive settings');
  },
};
