// Generated from the JSON Schema by `npm run gen:types`. Do not edit by hand.
/**
 * Connects the daemon to an MQTT broker: publishes the events the daemon delivers, subscribes to topics and turns the messages into events, or both in one instance. Payloads are the VSCP event text form (as the original driver), JSON, or plain measurement numbers (`simplify`). Reconnects with backoff; a bounded queue holds events while the broker is away. Several daemons can share one broker as their common bus without echo loops.
 */
export interface MqttSettings {
  /**
   * MQTT client id. Must be unique per broker: a broker drops the older connection when a second one uses the same id. Empty: `vscpd-<prefix>-<8 hex digits derived from the driver GUID>`, stable across restarts and different on every daemon.
   */
  sessionid?: string;
  /**
   * `subscribe`: messages from the broker become events; `publish`: events the daemon delivers are published; `both`: one connection does both.
   */
  type?: "subscribe" | "publish" | "both";
  /**
   * Topic for both directions unless `subscribe_topic` / `publish_topic` is set. When subscribing it is an MQTT topic filter (`+` and `#` wildcards; `{field}` placeholders match one level); when publishing it is a template whose `{field}` placeholders are filled from the event: `{guid}`, `{class}`, `{type}`, `{head}`, `{priority}`, `{obid}`, `{nickname}`, `{prefix}`.
   */
  topic?: string;
  /**
   * Topic filter to subscribe to; empty uses `topic`. `+` matches one level, a final `#` any number of levels, `{field}` placeholders match one level (a `{guid}` level gives simplified events their GUID).
   */
  subscribe_topic?: string;
  /**
   * Topic template to publish to; empty uses `topic`. Placeholders: `{guid}`, `{class}`, `{type}`, `{head}`, `{priority}`, `{obid}`, `{nickname}` (GUID byte 15), `{prefix}` (this driver's prefix). Wildcards are not allowed.
   */
  publish_topic?: string;
  /**
   * Broker address `host:port` or `[ipv6]:port`, optionally with a scheme: `tcp://` or `mqtt://` (plain), `mqtts://`, `ssl://` or `tls://` (TLS). Without a port: 1883, or 8883 with TLS.
   */
  host?: string;
  /**
   * User name sent to the broker (the original driver never sent it). Empty: none.
   */
  username?: string;
  /**
   * The original documentation's name for `username` (variable `<prefix>_user`). Setting both to different values is an error.
   */
  user?: string;
  /**
   * Password sent to the broker (only with a user name). Never logged.
   */
  password?: string;
  /**
   * MQTT keep-alive interval in seconds; 0 turns keep-alive off.
   */
  keepalive?: number;
  /**
   * Quality of service for publishing and for the subscription: 0 at most once, 1 at least once, 2 exactly once.
   */
  qos?: 0 | 1 | 2;
  /**
   * Publish with the retain flag: the broker keeps the last message of each topic for new subscribers.
   */
  retain?: boolean;
  /**
   * Start a clean session on each connect. false keeps the subscription and queued QoS 1/2 messages on the broker while the driver is away (needs a fixed `sessionid`).
   */
  clean_session?: boolean;
  /**
   * MQTT protocol version: 3 (3.1), 4 (3.1.1) or 5. With 5 every publication carries the daemon's origin as a user property, which recognises echoes exactly.
   */
  protocol_version?: 3 | 4 | 5;
  /**
   * Payload form when `simplify` is empty: `string` is the event text form `head,class,type,obid,datetime,timestamp,GUID,data…` (as the original driver); `json` is the VSCP JSON object `{"head","obid","datetime","timestamp","class","type","guid","data"}`.
   */
  format?: "string" | "json";
  /**
   * Payloads are plain numbers of one measurement: `10,<type>,float|string,<sensor index 0-7>,<unit 0-3>` (CLASS1.MEASUREMENT), `1040,<type>,<sensor index>,<unit>,<zone>,<subzone>` (CLASS2.MEASUREMENT_STR) or `1060,…` (CLASS2.MEASUREMENT_FLOAT, the same fields; 0-255 each). A received number becomes that event; a delivered event of that class, type, index and unit (and zone/subzone) is published as its number. Empty: off. Cannot be combined with `format = json`.
   */
  simplify?: string;
  /**
   * Filter `priority,class,type,GUID` for events received from the broker (as the original driver): an event is passed to the daemon when every bit set in `mask` has the same value in the event as here. Empty: all zero.
   */
  filter?: string;
  /**
   * Mask `priority,class,type,GUID` for `filter`: the bits that must match. Empty or all zero passes every event.
   */
  mask?: string;
  /**
   * Filter `priority,class,type,GUID` for events the daemon delivers: only those that pass are published. Empty: all zero.
   */
  publish_filter?: string;
  /**
   * Mask for `publish_filter`. Empty or all zero publishes every event.
   */
  publish_mask?: string;
  /**
   * Connect with TLS (also implied by an `mqtts://`, `ssl://` or `tls://` host).
   */
  tls?: boolean;
  /**
   * PEM file with the certificate authorities that sign the broker's certificate. Absent: the system's trusted CAs.
   */
  ca?: string;
  /**
   * PEM client certificate for brokers that authenticate clients by certificate; needs `key`.
   */
  cert?: string;
  /**
   * PEM private key of `cert`.
   */
  key?: string;
  /**
   * Refuse a broker whose TLS certificate does not verify. false is for tests only.
   */
  reject_unauthorized?: boolean;
  /**
   * How long one connection attempt may take until the broker's CONNACK.
   */
  connect_timeout_ms?: number;
  /**
   * Delay before the first reconnect attempt; it doubles after each failed attempt up to `reconnect_max_ms`, with ±20 % jitter.
   */
  reconnect_min_ms?: number;
  /**
   * Longest delay between reconnect attempts.
   */
  reconnect_max_ms?: number;
  /**
   * Messages kept while the broker is unreachable, published in order after reconnecting. When full the oldest message is dropped and counted. 0: drop while disconnected.
   */
  offline_queue_size?: number;
  /**
   * QoS 1/2 publications awaiting the broker's acknowledgement; beyond this the driver waits (events then queue in the daemon).
   */
  max_inflight?: number;
  /**
   * Largest payload accepted from the broker; larger messages are rejected and counted, and a packet much larger than this closes the connection.
   */
  max_payload_bytes?: number;
  /**
   * Name of the MQTT bus this instance is connected to; empty: its `host`. Instances of this daemon with the same broker_id never publish an event another of them received from that bus (no echo). Give the nodes of one broker cluster the same value; give two instances on one broker different values to republish received events in another form.
   */
  broker_id?: string;
}
