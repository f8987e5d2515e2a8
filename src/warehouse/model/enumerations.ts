import { EVENT_SCHEMAS } from '../../contract/schemas.js';
import type { EventType } from '../../contract/event-types.js';
import { enumValues } from './columns-from-schema.js';
import { ENUMERATION_SOURCES, type EnumerationSource } from './enumeration-sources.js';
import type { Column, TableModel } from './table-model.js';

/** A row of an enumeration table: its value, its meaning, and what the views need to know of it. */
export type EnumerationRow = Readonly<Record<string, string | number | null>>;

/**
 * An enumeration of the contract as a ref_ table. The values come from the event schema's `enum`
 * (so a new status in the contract reaches the warehouse), and the meaning of each value from here;
 * a value without a meaning is an error at start-up, and a test names it.
 */
export interface Enumeration {
  readonly table: TableModel;
  /** Where the enum lives in the contract. */
  readonly source: { readonly eventType: EventType; readonly path: string };
  readonly rows: readonly EnumerationRow[];
}

const required = (name: string, type: Column['type'], description: string): Column => ({
  name,
  type,
  mode: 'REQUIRED',
  description,
});

function enumeration(
  { table: name, ...source }: EnumerationSource,
  description: string,
  key: string,
  extra: readonly Column[],
  meaning: Readonly<Record<string, Readonly<Record<string, string | number | null>>>>,
  derive: (value: string, index: number) => Readonly<Record<string, string | number | null>> = () => ({}),
): Enumeration {
  const values = enumValues(EVENT_SCHEMAS[source.eventType], source.path);
  const missing = values.filter((v) => !(v in meaning));
  const stale = Object.keys(meaning).filter((v) => !values.includes(v));
  if (missing.length > 0 || stale.length > 0)
    throw new Error(
      `warehouse model: ${name} must describe exactly the values of ${source.eventType}.${source.path}` +
        ` (missing: ${missing.join(', ') || 'none'}; not in the schema: ${stale.join(', ') || 'none'})`,
    );
  return {
    table: {
      name,
      kind: 'enumeration',
      description,
      columns: [
        required(key, 'STRING', `The value, as events carry it (${source.eventType}.${source.path}).`),
        ...extra,
        required('description', 'STRING', 'What the value means.'),
      ],
      partitioning: null,
      clustering: [],
      relationships: [],
      key: [key],
    },
    source,
    rows: values.map((value, index) => ({ [key]: value, ...derive(value, index), ...meaning[value] })),
  };
}

export const ORDER_STATUS = enumeration(
  ENUMERATION_SOURCES.orderStatus,
  'The order lifecycle: each status with its rank, so the furthest status of an order is its current one.',
  'status',
  [required('lifecycle_rank', 'INT64', 'Position in the lifecycle, 1 = pending; higher is further along.')],
  {
    pending: { description: 'Placed by the customer, not yet handled.' },
    processing: { description: 'Being picked and packed.' },
    shipped: { description: 'Handed to the carrier.' },
    delivered: { description: 'Received by the customer.' },
  },
  // The schema lists the statuses in lifecycle order, so the rank is the position in the enum.
  (_value, index) => ({ lifecycle_rank: index + 1 }),
);

export const INVENTORY_REASON = enumeration(
  ENUMERATION_SOURCES.inventoryReason,
  'Why stock moves, with the direction a movement of that reason normally has.',
  'reason',
  [required('direction', 'INT64', '+1 when this reason adds stock, -1 when it removes stock.')],
  {
    restock: { direction: 1, description: 'Goods received from a supplier.' },
    sale: { direction: -1, description: 'Units left the warehouse for an order.' },
    return: { direction: 1, description: 'A customer sent units back into stock.' },
    damage: { direction: -1, description: 'Units written off as damaged or lost.' },
  },
);

export const ACTIVITY_TYPE = enumeration(
  ENUMERATION_SOURCES.activityType,
  'What a user can do in a session, with its step in the conversion funnel.',
  'activity_type',
  [
    {
      name: 'funnel_step',
      type: 'INT64',
      mode: 'NULLABLE',
      description:
        'Step in the funnel (1 viewed a product, 2 added to cart; 3, ordered, is an order event); NULL when not a step.',
    },
  ],
  {
    login: { funnel_step: null, description: 'Signed in; starts a session.' },
    logout: { funnel_step: null, description: 'Signed out; ends a session.' },
    view_product: { funnel_step: 1, description: 'Looked at a product page.' },
    add_to_cart: { funnel_step: 2, description: 'Put a product in the cart.' },
    remove_from_cart: { funnel_step: null, description: 'Took a product out of the cart.' },
  },
);

export const PLATFORM = enumeration(
  ENUMERATION_SOURCES.platform,
  'The platforms a session runs on.',
  'platform',
  [],
  {
    web: { description: 'A desktop web browser.' },
    mobile: { description: 'The phone app or mobile web.' },
    tablet: { description: 'The tablet app or tablet web.' },
  },
);

/** Every enumeration table, with its rows. */
export const ENUMERATIONS: readonly Enumeration[] = [ORDER_STATUS, INVENTORY_REASON, ACTIVITY_TYPE, PLATFORM];
