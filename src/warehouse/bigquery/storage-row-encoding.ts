import { siblingModule } from '../../util/sibling-module.js';
import type { EncoderRowEncoding } from '../row-encoding.js';
import { EVENT_TABLES, type EventTableName } from '../rows.js';
import { tableFieldsOf } from './model-resources.js';
import { storageDescriptorOf } from './storage-descriptor.js';
import {
  STAMPED_COLUMN,
  type StorageRowEncoderOptions,
  type StorageRowSchema,
} from './storage-row-encoder.js';

/**
 * BigQuery's RowEncoding: the prepare workers serialize each event table's rows as the Storage Write
 * API's protobuf messages (storage-row-encoder.ts), from the same model schema the appender derives
 * its writer schema from, so BigQueryWarehouse.appendEncoded sends them as they are.
 */
export function storageRowEncoding(): EncoderRowEncoding {
  const tables = Object.fromEntries(
    EVENT_TABLES.map((table): [EventTableName, StorageRowSchema] => {
      const fields = tableFieldsOf(table);
      const stampedLater = fields.map((f) =>
        f.name === STAMPED_COLUMN ? { ...f, mode: 'NULLABLE' as const } : f,
      );
      return [table, { fields, descriptor: storageDescriptorOf(stampedLater).bytes }];
    }),
  ) as Record<EventTableName, StorageRowSchema>;
  return {
    kind: 'encoder',
    module: siblingModule(import.meta.url, './storage-row-encoder').href,
    options: { tables } satisfies StorageRowEncoderOptions,
  };
}
