/**
 * Every stable error code shopstream emits, with what it means. DLQ records carry the contract codes
 * (`SHOP_E_DECODE_*`, `SHOP_E_EVENT_*`, `SHOP_E_FIELD_*`) as their reason, so failures can be counted
 * by cause. `docs/errors.md` documents each one; a test fails when a code is missing there.
 */
export const ERROR_CODES = {
  // Decoding: bytes → JSON object.
  SHOP_E_DECODE_EMPTY: 'The message has no bytes.',
  SHOP_E_DECODE_TOO_LARGE: 'The message is larger than the configured maximum (contract.maxMessageBytes).',
  SHOP_E_DECODE_BOM: 'The message starts with a UTF-8 byte-order mark, which JSON (RFC 8259) forbids.',
  SHOP_E_DECODE_UTF8: 'The message bytes are not valid UTF-8.',
  SHOP_E_DECODE_JSON: 'The message is not well-formed JSON (malformed, truncated, or too deeply nested).',
  SHOP_E_DECODE_NOT_OBJECT:
    'The message is JSON but not an object (an array, string, number, boolean or null).',
  SHOP_E_DECODE_FORBIDDEN_KEY:
    'An object in the message has a key named __proto__, constructor or prototype.',
  SHOP_E_DECODE_DUPLICATE_KEY:
    'An object in the message has the same key twice, so its meaning is ambiguous.',
  // Routing: which contract applies.
  SHOP_E_EVENT_TYPE_MISSING: 'The object has no event_type field (or it is null).',
  SHOP_E_EVENT_TYPE_UNKNOWN: 'event_type is not one of order, inventory, user_activity (matching is exact).',
  // Validation against the JSON Schema contract.
  SHOP_E_FIELD_MISSING: 'A required field is missing.',
  SHOP_E_FIELD_TYPE: 'A field has the wrong JSON type (for example a number written as a string, or null).',
  SHOP_E_FIELD_ENUM: 'A field is not one of its allowed values (matching is exact and case-sensitive).',
  SHOP_E_FIELD_FORMAT: 'A field does not have its format (RFC 4122 UUID, IP address).',
  SHOP_E_FIELD_RANGE:
    'A number is outside its allowed range (quantity, price, total_amount, quantity_change; see docs/errors.md).',
  SHOP_E_FIELD_EMPTY: 'An array that must not be empty is empty (order items).',
  SHOP_E_FIELD_TOO_LONG: 'A text is longer, or an array has more elements, than the contract allows.',
  SHOP_E_TIMESTAMP_INVALID:
    'A timestamp is not an RFC 3339 date-time with an offset, or names an impossible date.',
  SHOP_E_TIMESTAMP_OUT_OF_BOUNDS:
    'A timestamp is outside the plausibility bounds (contract.minTimestamp, contract.maxFutureMs).',
  SHOP_E_FIELD_INVALID: 'A field breaks the contract in a way no more specific code describes.',
  // Configuration and command line.
  SHOP_E_CONFIG_UNKNOWN_KEY: 'A configuration key (file, environment or flag) is not a known setting.',
  SHOP_E_CONFIG_INVALID: 'A configuration value is not valid for its key.',
  SHOP_E_CONFIG_FILE: 'The configuration file cannot be read or is not a JSON object.',
  SHOP_E_USAGE: 'A command was called with missing or wrong arguments.',
  // Ports: bus, lake, warehouse, archive sources.
  SHOP_E_BUS_NOT_FOUND: 'A topic or subscription does not exist (run `shopstream setup`).',
  SHOP_E_BUS_UNAVAILABLE: 'The message bus cannot be reached or refused the request; retryable.',
  SHOP_E_BUS_CLOSED: 'The bus or subscriber was used after close().',
  SHOP_E_LAKE_WRITE:
    'A lake or archive file could not be written (permission, disk full, network); retryable.',
  SHOP_E_LAKE_READ: 'A lake, archive or backfill source could not be read.',
  SHOP_E_WAREHOUSE_UNAVAILABLE: 'The warehouse cannot be reached, is locked, or failed a write; retryable.',
  SHOP_E_WAREHOUSE_QUERY:
    'The warehouse rejected a query (bad SQL, unknown table); the engine message is attached.',
  SHOP_E_WAREHOUSE_REJECTED:
    'The warehouse refused rows or a request for a reason a retry cannot fix (invalid rows, permission); not retryable.',
  SHOP_E_WAREHOUSE_SCHEMA:
    'The warehouse schema is missing or differs from the model (run `shopstream setup`).',
  SHOP_E_SINK_ROW_REJECTED:
    "A sink refused one row of a batch for good (a value its table cannot store); the message went to the DLQ with the sink's words, the rest of the batch was written.",
  SHOP_E_RECONCILE_UNBALANCED:
    'shopstream reconcile found buckets where archived ≠ warehouse + dead-lettered, or the lake lacks warehouse rows.',
  SHOP_E_HTTP_BAD_REQUEST:
    'An HTTP request had a bad parameter or body (for example publish_trigger?count=).',
  SHOP_E_INTERNAL: 'An unexpected failure inside shopstream; please report it with the log line.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
