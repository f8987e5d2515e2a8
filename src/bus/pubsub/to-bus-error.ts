import { ShopstreamError } from '../../errors/shopstream-error.js';
import { GRPC_STATUS } from '../../util/grpc-status.js';

/** Codes where the same call may succeed later: the connection, the server's load or a race. */
const TRANSIENT: ReadonlySet<number> = new Set([
  GRPC_STATUS.CANCELLED,
  GRPC_STATUS.UNKNOWN,
  GRPC_STATUS.DEADLINE_EXCEEDED,
  GRPC_STATUS.RESOURCE_EXHAUSTED,
  GRPC_STATUS.ABORTED,
  GRPC_STATUS.INTERNAL,
  GRPC_STATUS.UNAVAILABLE,
]);

/** The gRPC status code of a Google client library error, if it carries one. */
export function grpcCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Maps an error of the Pub/Sub client library to a {@link ShopstreamError}: NOT_FOUND becomes
 * SHOP_E_BUS_NOT_FOUND; transient codes (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, …)
 * become a retryable SHOP_E_BUS_UNAVAILABLE; a refused request (permission, invalid argument) a
 * non-retryable one. ShopstreamErrors pass through unchanged.
 *
 * @param what what was being done, for the message: `publish to topic "t"`.
 */
export function toBusError(
  error: unknown,
  what: string,
  context: Record<string, unknown> = {},
): ShopstreamError {
  if (error instanceof ShopstreamError) return error;
  const code = grpcCodeOf(error);
  const detail = (error as { details?: unknown } | null)?.details;
  const reason =
    typeof detail === 'string' && detail.length > 0
      ? detail
      : error instanceof Error
        ? error.message
        : String(error);
  const fullContext = { ...context, grpcCode: code };
  if (code === GRPC_STATUS.NOT_FOUND) {
    return new ShopstreamError(
      'SHOP_E_BUS_NOT_FOUND',
      `pubsub: cannot ${what}: ${reason} (run \`shopstream setup\`)`,
      {
        context: fullContext,
        cause: error,
      },
    );
  }
  if (code === undefined && isCredentialsError(reason)) {
    return new ShopstreamError(
      'SHOP_E_BUS_UNAVAILABLE',
      `pubsub: cannot ${what}: no Application Default Credentials (${reason}). ` +
        'Run `gcloud auth application-default login`, run on Google Cloud, or set PUBSUB_EMULATOR_HOST.',
      { context: fullContext, cause: error },
    );
  }
  const hint =
    code === GRPC_STATUS.PERMISSION_DENIED || code === GRPC_STATUS.UNAUTHENTICATED
      ? ' Check the Application Default Credentials and their Pub/Sub roles.'
      : '';
  return new ShopstreamError('SHOP_E_BUS_UNAVAILABLE', `pubsub: cannot ${what}: ${reason}.${hint}`, {
    // An error without a gRPC code (a dropped connection inside the library) is worth a retry.
    retryable: code === undefined || TRANSIENT.has(code),
    context: fullContext,
    cause: error,
  });
}

function isCredentialsError(message: string): boolean {
  return /Could not load the default credentials|Unable to detect a Project Id/i.test(message);
}
