// Test-only module that is no driver definition.
export default { hello: 'world' };
