#!/usr/bin/env node
// Entry point of `tlslab`: the built JavaScript when it is current, else the TypeScript (start.mjs).
import { start } from '../start.mjs';

await start('src/cli/main.ts');
