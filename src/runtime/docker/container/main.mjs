#!/usr/bin/env node
// Entry point of every container of the docker lab: load TypeScript through tsx, then main.ts.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
