// The variable store: contract, implementation, stock variables, value types.
export * from './contract.js';
export {
  DEFAULT_VARIABLE_LIMITS, type RuntimeVariableStore, type VariableLimits, type VariableStoreOptions, type VariableStoreStatus,
  createVariableStore,
} from './store.js';
export { DAEMON_VERSION, STOCK_PREFIX, type StockAutomationInfo, type StockVariableSource, isStockName } from './stock.js';
export { STATE_FILE_NAME } from './state-file.js';
export * from './types.js';
