// Public API of the middlebox emulators. See README.md.
export { MiddleboxConfigError } from './errors.ts';
export { runStages, type DnsStage, type Flow, type StageResult, type StageOutcome, type Direction } from './stage.ts';
export { stagesInterceptor, type StagesInterceptorOptions } from './interceptor.ts';
export { MiddleboxProxy, DEFAULT_SESSIONS_PER_CLIENT, type MiddleboxProxyOptions, type ProxyEvent } from './proxy.ts';
export { forwardsToItself } from './self-loop.ts';
export { SizeLimiter, truncateResponse, validateSizeLimit, OVERSIZE_ACTIONS, type SizeLimitConfig, type OversizeAction } from './size-limit/index.ts';
export { FragmentFilter, FragmentStage, validateFragments, udpIpSize, FRAGMENT_MODES, type FragmentConfig, type FragmentMode } from './fragments/index.ts';
export { TcpFilter, validateTcpFilter, TCP_MODES, type TcpFilterConfig, type TcpMode } from './tcp-filter/index.ts';
export { EdnsProxy, validateEdnsProxy, formerrFor, type EdnsProxyConfig } from './edns-proxy/index.ts';
export { PathFaults, FaultStage, FaultInterceptor, validateFaults, type FaultConfig } from './faults/index.ts';
export {
  LoadBalancer,
  HealthChecker,
  SessionTable,
  PortPool,
  DISTRIBUTIONS,
  FULL_POLICIES,
  PORT_MODES,
  type LoadBalancerConfig,
  type Distribution,
  type SessionConfig,
  type PortPoolConfig,
  type HealthCheckConfig,
} from './load-balancer/index.ts';
export {
  validateSettings,
  buildStages,
  buildInterceptors,
  buildVirtualStages,
  sessionConfig,
  natConfig,
  describeSettings,
  STRIP_WHAT,
  type MiddleboxSettings,
  type StripWhat,
} from './settings.ts';
export { findOpt, rewriteUdpSize, clearDoBit, removeOpt } from './wire-edit.ts';
export {
  settingsFromOptions,
  attachBetween,
  attachLoadBalancer,
  LOAD_BALANCER_OPTIONS,
  MIDDLEBOX_KINDS,
  type MiddleboxKind,
  type InterceptorHost,
} from './attach.ts';
