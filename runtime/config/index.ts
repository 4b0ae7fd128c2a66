// Configuration loading: files → snapshot → desired state. See docs/configuration.md.
export * from './types.js';
export { readConfiguration, displayPath, type ConfigSnapshot, type ConfSection, type ConfEntry, type FileStatus, type ReadOptions } from './read.js';
export { resolveDesiredState, loadConfiguration, secretValues, type ResolveOptions, type LoadResult } from './resolve.js';
export { defaultDriverResolver, COMMON_DRIVER_KEYS, type DriverResolver, type RuntimeVariables } from './drivers.js';
export { checkSchemaAnnotations, packageSchema } from './schema.js';
export { scanIni, formatIniValue, type IniDocument, type IniSection, type IniEntry } from './ini.js';
export { canonicalJson, contentHash } from './hash.js';
export { effectiveView, formatEffectiveIni, originText, REDACTED, type EffectiveView, type EffectiveSection, type EffectiveKey, type EffectiveVariable } from './effective.js';
