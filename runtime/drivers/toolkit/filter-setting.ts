/*
 * A filter and mask pair of settings (`priority,class,type,GUID` each) as one VscpFilter, or a
 * DriverConfigError at the key that is wrong, so `vscpd check` points at its file:line.
 */
import { DriverConfigError } from '../contract.js';
import { type VscpFilter, parseFilterMask } from '../../protocol/index.js';

/** `filterKey`/`maskKey` name the settings the texts came from (they lead the error message). */
export function filterFromSettings(filterKey: string, filterText: string, maskKey: string, maskText: string): VscpFilter {
  try {
    return parseFilterMask(filterText, maskText);
  } catch (e) {
    const message = (e as Error).message;
    const key = message.startsWith('mask') ? maskKey : filterKey;
    const detail = message.replace(/^(filter|mask)\b:?\s*/, '');
    // some parse errors name the expected form already
    const hint = detail.includes('priority,class,type,GUID') ? '' : '; expected priority,class,type,GUID';
    throw new DriverConfigError(`${key}: ${detail}${hint}`, key);
  }
}
