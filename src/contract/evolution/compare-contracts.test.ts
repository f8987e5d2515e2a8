import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../util/project-root.js';
import { readContractFolder, type Contract, type JsonSchema } from '../contract-folder.js';
import type { EventType } from '../event-types.js';
import { compareContracts } from './compare-contracts.js';

const BASE = readContractFolder(join(projectRoot(), 'schemas'));
const TABLES = [{ eventType: 'order', path: 'status', table: 'ref_order_status' }] as const;

/** The project's contract with one event schema (or the common one) changed by `edit`. */
function changed(type: EventType | 'common', edit: (schema: JsonSchema) => void): Contract {
  const copy = structuredClone(BASE) as { common: JsonSchema; events: Record<EventType, JsonSchema> };
  edit(type === 'common' ? copy.common : copy.events[type]);
  return copy;
}

const props = (schema: JsonSchema, path = ''): Record<string, JsonSchema> => {
  let node = schema;
  for (const part of path.split('.').filter(Boolean))
    node =
      part === '[]' ? (node.items as JsonSchema) : (node.properties as Record<string, JsonSchema>)[part]!;
  return node.properties as Record<string, JsonSchema>;
};

/** `path kind compatibility` of each change, for compact expectations. */
function summary(after: Contract, before: Contract = BASE): string[] {
  return compareContracts(before, after, { enumerationTables: TABLES }).map(
    (c) => `${c.eventType}.${c.path} ${c.kind} ${c.compatibility}`,
  );
}

describe('compareContracts', () => {
  it('finds nothing between a contract and itself', () => {
    expect(compareContracts(BASE, structuredClone(BASE))).toEqual([]);
  });

  it('calls new optional fields compatible, at the top level and nested in objects and array elements', () => {
    const after = changed('order', (s) => {
      props(s).coupon_code = { type: 'string', maxLength: 64, description: 'A coupon.' };
      props(s, 'shipping_address').postal_code = { type: 'string', maxLength: 20 };
      props(s, 'items.[]').discount = { type: 'number', minimum: 0, description: 'Per unit.' };
    });
    expect(summary(after)).toEqual([
      'order.items[].discount field-added compatible',
      'order.shipping_address.postal_code field-added compatible',
      'order.coupon_code field-added compatible',
    ]);
    const [coupon] = compareContracts(BASE, after).filter((c) => c.path === 'coupon_code');
    expect(coupon!.detail).toBe('new optional field (string, maxLength 64)');
  });

  it('reports an added object once, with its fields, and as compatible even with required fields inside', () => {
    const after = changed('order', (s) => {
      props(s).gift = {
        type: 'object',
        description: 'A gift wrap.',
        required: ['note'],
        properties: { note: { type: 'string' }, paper: { type: 'string' } },
      };
    });
    const changes = compareContracts(BASE, after);
    expect(changes.map((c) => `${c.path} ${c.compatibility}`)).toEqual(['gift compatible']);
    expect(changes[0]!.detail).toBe('new optional field (object with note, paper)');
  });

  it('calls a new required field, a removed field and a type change breaking', () => {
    const after = changed('order', (s) => {
      props(s).channel = { type: 'string' };
      (s.required as string[]).push('channel');
      delete props(s).total_amount;
      (s.required as string[]).splice((s.required as string[]).indexOf('total_amount'), 1);
      props(s, 'items.[]').quantity = { type: 'number', minimum: 1 };
    });
    expect(summary(after)).toEqual([
      'order.total_amount field-removed breaking',
      'order.items[].quantity type-changed breaking',
      'order.channel required-field-added breaking',
    ]);
  });

  it('recognizes a rename: a field removed and one with the same definition added beside it', () => {
    const after = changed('user_activity', (s) => {
      const metadata = props(s, 'metadata');
      metadata.device = metadata.platform!;
      delete metadata.platform;
      const required = props(s).metadata!.required as string[];
      required.splice(required.indexOf('platform'), 1, 'device');
    });
    const changes = compareContracts(BASE, after);
    expect(changes.map((c) => `${c.path} ${c.kind} ${c.compatibility}`)).toEqual([
      'metadata.platform field-renamed breaking',
    ]);
    expect(changes[0]!.detail).toMatch(/^renamed to metadata\.device/);
  });

  it('sees a changed shared definition on every field that uses it', () => {
    const after = changed('common', (s) => {
      (s.$defs as Record<string, JsonSchema>).uuid!.pattern = '^[0-9a-f-]{36}$';
    });
    const paths = summary(after).filter((line) => line.startsWith('inventory.'));
    expect(paths).toEqual([
      'inventory.inventory_id range-narrowed breaking',
      'inventory.product_id range-narrowed breaking',
      'inventory.warehouse_id range-narrowed breaking',
    ]);
  });

  it('treats a timestamp that loses its date-time format as a type change (the column would be STRING)', () => {
    const after = changed('inventory', (s) => {
      props(s).timestamp = { type: 'string', description: 'When.' };
    });
    expect(summary(after)).toEqual(['inventory.timestamp type-changed breaking']);
  });

  it('calls optional → required and required → optional breaking', () => {
    const after = changed('order', (s) => {
      const required = s.required as string[];
      required.splice(required.indexOf('status'), 1);
      props(s, 'shipping_address').zip = { type: 'string' };
    });
    const both = changed('order', (s) => {
      (s.required as string[]).push('zip');
      props(s).zip = { type: 'string' };
    });
    expect(summary(after)).toEqual([
      'order.status made-optional breaking',
      'order.shipping_address.zip field-added compatible',
    ]);
    const withZip = changed('order', (s) => (props(s).zip = { type: 'string' }));
    expect(summary(both, withZip)).toEqual(['order.zip made-required breaking']);
  });

  it('calls a widened enum conditional and names who it is not compatible for', () => {
    const after = changed('order', (s) => (props(s).status!.enum as string[]).push('cancelled'));
    const [change] = compareContracts(BASE, after, { enumerationTables: TABLES });
    expect(change).toMatchObject({ path: 'status', kind: 'enum-widened', compatibility: 'conditional' });
    expect(change!.notCompatibleFor).toHaveLength(2);
    expect(change!.notCompatibleFor[0]).toMatch(/^pipelines of the previous contract.*SHOP_E_FIELD_ENUM/);
    expect(change!.notCompatibleFor[1]).toMatch(/^consumers of the views and of ref_order_status/);
  });

  it('calls a narrowed enum breaking, and a reordered one conditional', () => {
    const narrowed = changed('inventory', (s) => (props(s).reason!.enum = ['restock', 'sale', 'return']));
    expect(summary(narrowed)).toEqual(['inventory.reason enum-narrowed breaking']);
    const reordered = changed('order', (s) => (props(s).status!.enum as string[]).reverse());
    expect(summary(reordered)).toEqual(['order.status enum-reordered conditional']);
    expect(compareContracts(BASE, reordered, { enumerationTables: TABLES })[0]!.notCompatibleFor[0]).toMatch(
      /lifecycle_rank/,
    );
  });

  it('calls a widened range conditional and a narrowed one breaking, bound by bound', () => {
    const after = changed('inventory', (s) => {
      props(s).quantity_change!.minimum = -500;
      props(s).quantity_change!.maximum = 50;
    });
    expect(summary(after)).toEqual([
      'inventory.quantity_change range-widened conditional',
      'inventory.quantity_change range-narrowed breaking',
    ]);
    const longer = changed('user_activity', (s) => (props(s).user_agent!.maxLength = 4000));
    expect(summary(longer)).toEqual(['user_activity.user_agent range-widened conditional']);
  });

  it('calls a closed object breaking and a description change compatible', () => {
    const closed = changed('order', (s) => (props(s).shipping_address!.additionalProperties = false));
    expect(summary(closed)).toEqual(['order.shipping_address closed breaking']);
    const described = changed('order', (s) => (props(s).total_amount!.description = 'The total.'));
    expect(summary(described)).toEqual(['order.total_amount description-changed compatible']);
  });

  it('calls a missing event schema breaking', () => {
    const after = { common: BASE.common, events: { ...BASE.events, inventory: undefined } };
    expect(summary(after)).toEqual(['inventory. event-type-removed breaking']);
  });
});
