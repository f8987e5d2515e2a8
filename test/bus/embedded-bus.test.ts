import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { EmbeddedBus } from '../../src/bus/embedded/embedded-bus.js';
import { busContractSuite } from './bus-contract-suite.js';

// One folder for the whole suite: every case opens its own connections to it, as separate
// processes would, and uses its own topic names.
const directory = mkdtempSync(join(tmpdir(), 'shopstream-embedded-bus-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

busContractSuite('embedded', async () => new EmbeddedBus({ directory }));
