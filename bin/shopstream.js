#!/usr/bin/env node
// Runs the TypeScript CLI straight from src/ through tsx, so `npx shopstream` works right after
// `npm install` with no build step. The container image runs the compiled dist/ instead.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
