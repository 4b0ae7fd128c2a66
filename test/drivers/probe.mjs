// A test-only driver whose behaviour is set by its settings: it can fail on start, hang in
// stop, throw later, flood the bus, and it reports what happened to it. Used by the reload
// safety suites, in-process and through a running daemon (`driver = ./probe.mjs`).

const registry = (globalThis.__vscpdProbe ??= { instances: new Map(), log: [] });

class ConfigError extends Error {
  constructor(message, key) {
    super(message);
    this.name = 'DriverConfigError';
    this.key = key;
  }
}

function record(prefix, what, detail) {
  registry.log.push({ prefix, what, detail, at: Date.now() });
  if (registry.log.length > 100000) registry.log.splice(0, 50000);
}

/** @type {import('../../runtime/drivers/contract.js').DriverDefinition} */
const definition = {
  id: 'probe',
  metadata: { level: 2, version: '1.0.0', vendor: 'vscpd tests', description: 'test driver with configurable faults' },
  schema: {
    type: 'object',
    additionalProperties: false,
    'x-positional': ['label', 'mode'],
    properties: {
      label: { type: 'string', default: '', description: 'free text, applied in place', 'x-reload': 'hot' },
      mode: { type: 'string', default: 'a', description: 'free text, needs a restart', 'x-reload': 'driver-restart' },
      fail_start: { type: 'boolean', default: false, description: 'start() rejects', 'x-reload': 'driver-restart' },
      invalid: { type: 'boolean', default: false, description: 'create() throws a configuration error', 'x-reload': 'driver-restart' },
      hang_stop: { type: 'boolean', default: false, description: 'stop() never resolves', 'x-reload': 'driver-restart' },
      throw_after_ms: { type: 'integer', default: 0, minimum: 0, description: 'a raw timer throws this long after start (0 = never)', 'x-reload': 'driver-restart' },
      throw_in_timer_ms: { type: 'integer', default: 0, minimum: 0, description: 'a ctx.scheduler timer throws this long after start (0 = never)', 'x-reload': 'driver-restart' },
      emit_interval_ms: { type: 'integer', default: 0, minimum: 0, description: 'emit an event this often (0 = never)', 'x-reload': 'hot' },
      emit_burst: { type: 'integer', default: 1, minimum: 1, description: 'events per emit tick', 'x-reload': 'hot' },
      echo: { type: 'boolean', default: false, description: 'emit every received event back with type + 1', 'x-reload': 'hot' },
      degraded_at_start: { type: 'boolean', default: false, description: 'report degraded health from inside start()', 'x-reload': 'driver-restart' },
      no_reconfigure: { type: 'boolean', default: false, description: 'the instance has no reconfigure()', 'x-reload': 'driver-restart' },
      receive_delay_ms: { type: 'integer', default: 0, minimum: 0, description: 'receive() takes this long', 'x-reload': 'hot' },
    },
  },
  create(ctx, settings) {
    if (settings.invalid) throw new ConfigError('invalid is set, so this driver refuses its settings', 'invalid');
    let current = { ...settings };
    let stopEmit = null;
    let started = false;
    const received = [];
    const state = { prefix: ctx.prefix, settings: current, received, starts: 0, stops: 0, running: false };
    const emitTick = () => {
      for (let i = 0; i < current.emit_burst; i++) {
        ctx.emit({ vscpClass: 20, vscpType: 3, data: [0, 1, 2] });
      }
    };
    const armEmit = () => {
      stopEmit?.();
      stopEmit = current.emit_interval_ms > 0 ? ctx.scheduler.setInterval(emitTick, current.emit_interval_ms) : null;
    };
    const instance = {
      async start() {
        record(ctx.prefix, 'start', current.mode);
        state.starts++;
        if (current.fail_start) throw new Error('fail_start is set');
        if (current.degraded_at_start) ctx.setHealth('degraded', 'degraded_at_start is set');
        started = true;
        state.running = true;
        registry.instances.set(ctx.prefix, state);
        try {
          ctx.variables.set(`${ctx.prefix}_probe_starts`, String((Number(ctx.variables.get(`${ctx.prefix}_probe_starts`)?.value ?? 0) || 0) + 1), { type: 3 });
        } catch {
          // variables may be unavailable in harnesses
        }
        armEmit();
        if (current.throw_in_timer_ms > 0) {
          ctx.scheduler.setTimeout(() => {
            throw new Error('probe timer threw, as configured');
          }, current.throw_in_timer_ms);
        }
        if (current.throw_after_ms > 0) {
          setTimeout(() => {
            if (started) throw new Error('probe threw later, as configured');
          }, current.throw_after_ms);
        }
      },
      async stop() {
        record(ctx.prefix, 'stop', current.mode);
        state.stops++;
        started = false;
        state.running = false;
        stopEmit?.();
        if (current.hang_stop) return new Promise(() => {});
      },
      async receive(event) {
        received.push(event);
        if (received.length > 10000) received.splice(0, 5000);
        if (current.receive_delay_ms > 0) await new Promise((r) => setTimeout(r, current.receive_delay_ms));
        if (current.echo) ctx.emit({ vscpClass: event.vscpClass, vscpType: (event.vscpType + 1) & 0xffff, data: event.data });
      },
    };
    if (!settings.no_reconfigure) {
      instance.reconfigure = (next, changed) => {
        record(ctx.prefix, 'reconfigure', changed.join(','));
        current = { ...next };
        state.settings = current;
        armEmit();
        return 'applied';
      };
    }
    return instance;
  },
};

export default definition;
export { registry };
