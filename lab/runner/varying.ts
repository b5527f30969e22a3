// Steps whose outcome against a real product changes from run to run, each
// with its traced cause: the product's own randomness, or timers at a clock
// rate that shrink to a few ms of host time. The matrix shows them on the cell
// (terminal, JSON, HTML) and judges every other step of that cell strictly: a
// varying step may fail or hold, and may differ from the emulated profile.
// A varying step is never also a declared failing claim (variant.products):
// such a declaration would bind nothing (checkDeclarations).

import type { Product } from '../../servers/real/products.ts';

export interface VaryingSteps {
  steps: number[];
  why: string;
}

// At clock rate 20 a product's retransmission timer shrinks with the lab's time: Knot Resolver waits srtt + 20 ms,
// about 1 ms of host time, and BIND's 800 ms are 40 ms. A host that is late by that much (four cells at once on two
// cores) makes the product retransmit to a live server, so the upstream counts of a normal hour vary with the load.
const NORMAL_HOUR_AT_RATE_20 = 'upstream count of the normal hour at rate 20: retransmissions when the host is late by a few ms';

/** "id [variant] × product" → the varying steps and why. */
export const VARYING: Readonly<Record<string, VaryingSteps>> = {
  'middlebox-checkpoints [lb-session-table] × unbound': {
    steps: [13, 14, 15],
    why: "when the lab's RTT to ns-example is stretched (cells at once), the server's backed-off timeout reaches PROBE_MAXRTO 12 s before big is asked, Unbound skips the server and answers SERVFAIL at once (infra.c infra_get_lame_rtt), and the late retries of its old resolutions make the answer at T+2m30s miss discard-timeout; in other runs no try for big reaches the server",
  },
  'middlebox-checkpoints [lb-session-table] × knot': {
    steps: [12],
    // Traced (log_level('debug') + the box's verdicts, 2026-11-23): a failing run's kresd logs "choosing to resolve
    // AAAA: 'ns1.example.jp.'" at www's (or mid's) selection with the one address error-free; 4 of 80 runs failed, only there.
    why: 'kresd\'s ε-greedy exploration (lib/selection.c select_transport "EXPLORE": kr_rand_coin(1, 20) = 13/256, then kr_rand_bytes(1) % (1 address + 1 unresolved name) picks the name) resolves ns1.example.jp AAAA at the selection for www A or for mid TXT (the example.jp DNSKEY selection skips names inside the zone, selection_iter.c get_resolvable_names): a fourth flow takes the last slot and every mid try is dropped (SERVFAIL). 1 − (1 − 13/512)² ≈ 5 % of runs; kresd draws from gnutls_rnd, with no option for ε (a compile-time #define), so the lab cannot fix it',
  },
  'auth-unreachable [default] × knot': { steps: [3], why: NORMAL_HOUR_AT_RATE_20 },
  'facebook-query-storm [patient-clients] × knot': {
    steps: [6, 7, 19],
    why: `${NORMAL_HOUR_AT_RATE_20}; kresd's random exploration (lib/selection.c "EXPLORE", 13/256 per selection) adds .com queries: real 4–8 in the outage hour, above the claim's 10 in some runs`,
  },
  'facebook-query-storm [retrying-clients] × knot': {
    steps: [6, 7, 19],
    why: `${NORMAL_HOUR_AT_RATE_20}; the outage hour's .com queries come from kresd's random exploration (lib/selection.c ε = 1/20 over addresses and nameserver names, one draw per choice): real 16 in a traced run, emulated 8–20 over seeds 1–10, above the claim's 10 in most runs but not all (step 19)`,
  },
  'facebook-query-storm [aggressive-apps] × knot': { steps: [6, 7], why: NORMAL_HOUR_AT_RATE_20 },
  'facebook-query-storm [serve-stale] × knot': {
    steps: [6, 7, 10, 23],
    why: `${NORMAL_HOUR_AT_RATE_20}; kresd's serve_stale module has no client response timer: it looks for stale data only when the client's own request takes its next step later than serve_stale.timeout (1800 ms) or finds no server left (modules/serve_stale/serve_stale.lua produce); while the dead servers time out the nameservers' AAAA sub-queries are the current queries, and the request ends at KR_TIMEOUT_LIMIT or KR_RESOLVE_TIME_LIMIT as SERVFAIL first (daemon/worker.c qr_task_step). Whether a request takes such a step in a given minute depends on where its timers stand: some runs serve stale (TTL 1) at T+1h30m and for minutes of the outage, others never (steps 10 and 23)`,
  },
  ...Object.fromEntries(
    ['patient-clients', 'retrying-clients', 'aggressive-apps', 'serve-stale'].map((v) => [
      `facebook-query-storm [${v}] × bind`,
      { steps: [6], why: `${NORMAL_HOUR_AT_RATE_20} (BIND sends 19 of the claim's 20 without one)` },
    ]),
  ),
};

/** The steps declared varying for this cell, if any. */
export function varyingFor(id: string, variant: string, product: Product): VaryingSteps | undefined {
  return VARYING[`${id} [${variant}] × ${product}`];
}

/** The step a declared claim or claim key names ("step 12 rcode" → 12). */
export function stepOfClaim(claim: string): number | undefined {
  const m = /^step (\d+) \S/.exec(claim);
  return m ? Number(m[1]) : undefined;
}

/**
 * What is wrong with a cell's declarations: a declared failing claim that is not of the form "step N <claim>",
 * or that sits on a step declared varying for the same cell (it would then bind nothing).
 */
export function checkDeclarations(declared: readonly string[], varying: VaryingSteps | undefined): string[] {
  const problems: string[] = [];
  for (const d of declared) {
    const step = stepOfClaim(d);
    if (step === undefined) problems.push(`declared claim "${d}" does not name its step ("step N <claim>")`);
    else if (varying?.steps.includes(step)) problems.push(`declared claim "${d}" is on step ${step}, declared varying: the declaration binds nothing`);
  }
  return problems;
}
