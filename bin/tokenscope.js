#!/usr/bin/env node
// The `tokenscope` command: runs the TypeScript CLI through tsx's loader, so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../src/server/cli/main.ts');
