#!/usr/bin/env node
// Entry point for the `dnslab` bin: loads the TypeScript CLI through tsx so no build step is needed.
import { register } from 'tsx/esm/api';
register();
await import('../lab/cli/main.ts');
