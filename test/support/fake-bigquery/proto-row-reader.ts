import type protobuf from 'protobufjs';
import {
  RowValueError,
  isRepeated,
  isRequired,
  scalarFromProto,
  standardType,
  type FieldSchema,
} from './row-values.js';

/** A row as protobufjs decodes it: fields that came are own properties, int64s are Long objects. */
type DecodedMessage = Record<string, unknown>;

/** Reads one stored row from a decoded message; throws {@link RowValueError} as the service refuses it. */
export type ProtoRowReader = (message: DecodedMessage) => Record<string, unknown>;

interface ColumnPlan {
  readonly column: FieldSchema;
  /** The writer's field for the column, matched case-insensitively as BigQuery matches names. */
  readonly protoName: string | undefined;
  readonly repeated: boolean;
  readonly required: boolean;
  /** The column's path from the row, when no REPEATED record holds it (else built per element). */
  readonly path: string | undefined;
  /** For a STRUCT: its fields' plans. */
  readonly nested: readonly ColumnPlan[] | undefined;
}

/**
 * A reader of rows of a table (`columns`) written with a writer schema (`type`, checked against the
 * table beforehand), made once per stream: the service's checks of rowFromProto, on the decoded
 * messages themselves rather than on a toObject() copy, with the name matching done once here
 * instead of per row. Stored forms as row-values.ts describes.
 */
export function protoRowReader(columns: readonly FieldSchema[], type: protobuf.Type): ProtoRowReader {
  const plans = plansOf(columns, type, '');
  return (message) => readRow(plans, message, '');
}

/** `prefix`: the path of the record holding `columns`, undefined under a REPEATED record. */
function plansOf(
  columns: readonly FieldSchema[],
  type: protobuf.Type | undefined,
  prefix: string | undefined,
): ColumnPlan[] {
  const byLowerName = new Map((type?.fieldsArray ?? []).map((f) => [f.name.toLowerCase(), f]));
  return columns.map((column) => {
    const field = byLowerName.get(column.name.toLowerCase());
    field?.resolve();
    const nestedType =
      field?.resolvedType && 'fieldsArray' in field.resolvedType ? field.resolvedType : undefined;
    const repeated = isRepeated(column);
    const path = prefix === undefined ? undefined : prefix ? `${prefix}.${column.name}` : column.name;
    return {
      column,
      protoName: field?.name,
      repeated,
      required: isRequired(column),
      path,
      nested:
        standardType(column.type) === 'STRUCT'
          ? plansOf(column.fields ?? [], nestedType, repeated ? undefined : path)
          : undefined,
    };
  });
}

function readRow(
  plans: readonly ColumnPlan[],
  message: DecodedMessage,
  prefix: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const plan of plans) {
    const { column } = plan;
    const path = plan.path ?? (prefix ? `${prefix}.${column.name}` : column.name);
    const value =
      plan.protoName !== undefined && Object.prototype.hasOwnProperty.call(message, plan.protoName)
        ? message[plan.protoName]
        : undefined;
    if (plan.repeated) {
      const values = (value ?? []) as unknown[];
      out[column.name] = values.map((v, i) => readValue(plan, v, `${path}[${i}]`));
      continue;
    }
    if (value === undefined || value === null) {
      if (plan.required) throw new RowValueError(`${path}: missing required field`);
      out[column.name] = null;
      continue;
    }
    out[column.name] = readValue(plan, value, path);
  }
  return out;
}

function readValue(plan: ColumnPlan, value: unknown, path: string): unknown {
  if (plan.nested) return readRow(plan.nested, value as DecodedMessage, path);
  return scalarFromProto(plan.column, plainOf(value), path);
}

/** int64 → a number when it is safe, else a bigint (exact either way); bytes → base64, as toObject(). */
function plainOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64');
  const long = value as { high?: number; low?: number; unsigned?: boolean; toString(): string };
  if (typeof long.high === 'number' && typeof long.low === 'number') {
    const n = long.high * 2 ** 32 + (long.low >>> 0);
    return Number.isSafeInteger(n) && !long.unsigned ? n : BigInt(long.toString());
  }
  return value;
}
