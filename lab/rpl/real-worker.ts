// The worker half of lab/rpl/real.ts: runs INSIDE a dnslab-rr-* network
// namespace, runs one .rpl scenario against one real product and writes the
// RunResult as JSON to the file it was given.
//
// argv[2]: JSON { file, product, seed, waitMs?, out }

import { readFileSync, writeFileSync } from 'node:fs';
import { parseRpl } from '../../dns/rpl/reader.ts';
import type { Product } from '../../servers/real/products.ts';
import { runRplInNamespace } from './real.ts';

const req = JSON.parse(process.argv[2] ?? '{}') as { file: string; product: Product; seed: string; waitMs?: number; out: string };
const scenario = parseRpl(readFileSync(req.file, 'utf8'), req.file);
const result = await runRplInNamespace(scenario, req.product, { seed: req.seed, ...(req.waitMs !== undefined ? { waitMs: req.waitMs } : {}) });
writeFileSync(req.out, JSON.stringify(result));
process.exit(0);
