// Public API of the authoritative server.
export { AuthoritativeServer, type AuthoritativeServerOptions, type ServerEvent } from './server.ts';
export { answerQuery, DEFAULT_UDP_PAYLOAD, type AnswerContext } from './answer.ts';
export { ZoneSet, type ZoneEntry, type OnlineSigningHook } from './zone-set.ts';
export { composeQuirks, quirkMatches, quirkProblem, type Quirk, type QuirkKind, type QuirkMatch, type QueryOutcome, type QueryContext } from './quirks.ts';
export { fitResponse, truncatedResponse, type FitResult } from './truncate.ts';
export { denialRecords, signaturesFor, isSigned, denialMode, type DenialCase } from './dnssec.ts';
