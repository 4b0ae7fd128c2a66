import { describe, expect, it } from 'vitest';
import { DriverConfigError } from '../contract.js';
import { filterFromSettings } from './filter-setting.js';

function errorOf(f: () => unknown): DriverConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof DriverConfigError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('filter from settings', () => {
  it('turns the two texts into one filter; empty means all zero', () => {
    const f = filterFromSettings('filter', '0,10,6,-', 'mask', '0,0xFFFF,0xFFFF,-');
    expect([f.filterClass, f.filterType, f.maskClass, f.maskType]).toEqual([10, 6, 0xffff, 0xffff]);
    const open = filterFromSettings('filter', '', 'mask', '');
    expect([open.filterClass, open.maskClass, open.maskPriority]).toEqual([0, 0, 0]);
  });

  it('reports a bad filter at the filter key and a bad mask at the mask key', () => {
    const bad = errorOf(() => filterFromSettings('rxfilter', '9', 'rxmask', ''));
    expect(bad.key).toBe('rxfilter');
    expect(bad.message).toBe('rxfilter: priority: 9 is out of range 0..7; expected priority,class,type,GUID');
    const mask = errorOf(() => filterFromSettings('publish_filter', '', 'publish_mask', '0,0,0,zz'));
    expect(mask.key).toBe('publish_mask');
    expect(mask.message).toMatch(/^publish_mask: GUID "zz": .*; expected priority,class,type,GUID$/);
  });
});
