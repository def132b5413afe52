#!/usr/bin/env node
// Entry point of `tlslab`: load TypeScript through tsx, then hand over to main.ts.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
