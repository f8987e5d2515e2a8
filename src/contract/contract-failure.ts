import type { ErrorCode } from '../errors/error-codes.js';

/**
 * Why a message broke the contract: the DLQ reason. `path` is a JSON Pointer into the payload
 * (`/items/0/price`), empty for the whole message.
 */
export interface ContractFailure {
  readonly code: ErrorCode;
  readonly path: string;
  readonly message: string;
}
