import type { DriverDefinition } from '../../runtime/drivers/contract.js';
declare const definition: DriverDefinition;
export default definition;
export declare const registry: { instances: Map<string, unknown>; log: unknown[] };
