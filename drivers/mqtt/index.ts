/*
 * The MQTT driver (original `vscpl2drv_mqtt`): publishes delivered events to an MQTT broker,
 * turns subscribed messages into events, or both, in one connection.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DriverDefinition, type DriverSettings, defineDriver } from '../../runtime/drivers/contract.js';
import { packageRoot } from '../../runtime/support/package-root.js';
import { MqttDriver, type MqttDriverInstance } from './driver.js';
import { EchoGuard, processEchoGuard } from './echo.js';
import { deriveConfig, parseLegacyConfig } from './settings.js';
import type { MqttSettings } from './settings.generated.js';

export type { MqttDriverInstance, MqttStats } from './driver.js';
export { EchoGuard, processEchoGuard } from './echo.js';

const schema = JSON.parse(readFileSync(join(packageRoot(), 'drivers', 'mqtt', 'schema.json'), 'utf8')) as Record<string, unknown>;

export interface MqttDriverOptions {
  /**
   * Echo and loop prevention state shared by the instances of one daemon. Default: the one of
   * this process. Tests give each simulated daemon its own.
   */
  echo?: EchoGuard;
}

/** The definition with its own echo guard (several "daemons" in one process). */
export function createMqttDriverDefinition(options: MqttDriverOptions = {}): DriverDefinition<MqttSettings & DriverSettings> {
  const echo = options.echo ?? processEchoGuard;
  return defineDriver<MqttSettings & DriverSettings>({
    id: 'mqtt',
    metadata: {
      level: 2,
      version: '1.0.0',
      vendor: 'vscpd',
      description: 'MQTT publish/subscribe bridge: event text, JSON or plain measurement payloads, topic templates, TLS, MQTT 3.1.1 and 5, reconnect with backoff',
      legacyLibraries: ['vscpl2drv_mqtt.so', 'vscpl2_mqttdrv.so', 'vscpl2_mqttdrv.dll', 'vscp2drv_mqtt.so'],
    },
    schema,
    parseLegacyConfig,
    create(ctx, settings): MqttDriverInstance {
      const config = deriveConfig(settings, ctx);
      const driver = new MqttDriver(ctx, config, echo);
      const instance: MqttDriverInstance = {
        start: () => driver.start(),
        stop: () => driver.stop(),
        reconfigure: (next, changed) => driver.reconfigure(next, changed),
        stats: () => driver.stats(),
        get connected() { return driver.connected; },
        get queued() { return driver.queued; },
      };
      // A subscriber consumes nothing, so the daemon queues nothing for it.
      if (config.direction !== 'subscribe') instance.receive = (event) => driver.receive(event);
      return instance;
    },
  });
}

export default createMqttDriverDefinition();
