export { ObservabilityModule } from './observability.module';
export { useObservability } from './use-observability';
export { ReadinessState } from './readiness/readiness.state';
export { Metrics } from './metrics/metrics.service';
export { MetricsServer } from './metrics/metrics.server';
export { REQUEST_ID_HEADER } from './logging/request-id';
export { REDACTED_PATHS, REDACTION_CENSOR } from './logging/redaction';
