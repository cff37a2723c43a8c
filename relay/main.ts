#!/usr/bin/env node
// The relay's entry point: the relay process (process.ts) configured by the environment.
import { runRelayProcess } from './process.ts';

await runRelayProcess(process.env);
