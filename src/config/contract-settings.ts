import type { ContractOptions } from '../contract/contract-options.js';
import type { Config } from './settings.js';

/**
 * The contract's bounds as configured (`contract.*`): what the pipeline, backfill and reconcile all
 * check events against. Cloneable (no clock), so it can cross to a worker thread.
 */
export function contractSettingsOf(config: Config): Omit<ContractOptions, 'now'> {
  return {
    minTimestamp: config['contract.minTimestamp'],
    maxFutureMs: config['contract.maxFutureMs'],
    maxMessageBytes: config['contract.maxMessageBytes'],
  };
}
