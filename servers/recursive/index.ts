// Public API of the recursive resolver emulator.
export { RecursiveResolver, type RecursiveResolverOptions } from './server.ts';
export { ResolverEngine, type EngineOptions } from './engine.ts';
export type { ResolveOptions, ResolveResult } from './client-answer.ts';
export { Ede } from './resolution.ts';
export { ResolverCache, Trust, type CacheSecurity } from './cache.ts';
export { InfraCache, type RandomSource } from './infra.ts';
export { PROFILES, PROFILE_NAMES, settingsFor, isProfileName, type ProfileName } from './profiles.ts';
export type { ResolverSettings } from './settings.ts';
export type { ResolverEvent, ResolutionSummary, ResponseClass, UpstreamPurpose } from './events.ts';
export { NetworkUpstream } from './transport.ts';
export type { Upstream, UpstreamRequest, UpstreamResult } from './upstream.ts';
export { Acl, DEFAULT_ACL } from './acl.ts';
export { primeRootHints, type PrimingResult } from './priming.ts';
