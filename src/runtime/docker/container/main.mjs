#!/usr/bin/env node
// Entry point of every container of the docker lab: the built JavaScript when it is current, else the TypeScript (start.mjs).
import { start } from '../../../start.mjs';

await start('src/runtime/docker/container/main.ts');
