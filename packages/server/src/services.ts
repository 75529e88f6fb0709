/**
 * What every route and service of the server shares: the store, the key store, the resolved
 * configuration, the clock and the risk engine (docs/design.md "Tokenization and authorization"),
 * and the event bus and report stream (docs/scaling.md "Threat intelligence as a stream").
 */
import type { RiskEngine } from './authorization/risk-engine.js';
import type { Clock } from './clock.js';
import type { ResolvedConfig } from './config.js';
import type { FraudEngine } from './fraud/engine.js';
import type { KeyStore } from './keys/key-store.js';
import type { Store } from './storage/store.js';
import type { EventBus } from './stream/event-bus.js';
import type { ReportPublisher } from './stream/report-port.js';

/** The shared services of one server instance. */
export interface Services {
  store: Store;
  keys: KeyStore;
  config: ResolvedConfig;
  clock: Clock;
  risk: RiskEngine;
  /** The fraud engine (provisioning, replenishment, enrollment); absent when `fraud: false`. */
  fraud?: FraudEngine;
  /** Where events go (stream/publish.ts): in-process, or NATS when `stream` is configured. */
  events: EventBus;
  /** With a report stream (NATS): verified threat reports are published here, not stored by the request. */
  reports?: ReportPublisher;
}
