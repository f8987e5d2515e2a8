import { adapt, protos } from '@google-cloud/bigquery-storage';
import type { TableField } from './table-field.js';

/**
 * The protobuf message a table's rows travel as through the Storage Write API, derived from the
 * table's schema with the library's own `adapt` functions (proto2, one field per column numbered in
 * schema order, STRUCTs as nested messages, TIMESTAMP as int64 µs, NUMERIC as string).
 */
export interface StorageDescriptor {
  /** As the managed writer sends it in `writer_schema`. */
  readonly proto: protos.google.protobuf.IDescriptorProto;
  /** The same, serialized: what a StorageRowEncoder is built from, on any thread. */
  readonly bytes: Uint8Array;
}

export function storageDescriptorOf(fields: readonly TableField[]): StorageDescriptor {
  const proto = adapt.convertStorageSchemaToProto2Descriptor(
    adapt.convertBigQuerySchemaToStorageTableSchema({
      fields: fields as Parameters<typeof adapt.convertBigQuerySchemaToStorageTableSchema>[0]['fields'],
    }),
    'root',
  );
  return { proto, bytes: protos.google.protobuf.DescriptorProto.encode(proto).finish() };
}
