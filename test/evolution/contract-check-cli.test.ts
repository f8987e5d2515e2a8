import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/project-root.js';
import { runCli } from '../support/run-cli.js';

// `shopstream contract check` on a copy of the contract in a git repository of its own: the earlier
// contract is read with `git show <ref>:schemas/…`, the working one from the folder.

let repo: string;
const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- schema JSON, edited freely by the tests
function editSchema(file: string, edit: (schema: Record<string, any>) => void): void {
  const path = join(repo, 'schemas', file);
  const schema = JSON.parse(readFileSync(path, 'utf8'));
  edit(schema);
  writeFileSync(path, JSON.stringify(schema, null, 2) + '\n');
}

function restore(): void {
  git(repo, 'checkout', '--', 'schemas');
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'contract-check-'));
  cpSync(join(projectRoot(), 'schemas'), join(repo, 'schemas'), { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '.');
  git(repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'contract v1');
});

afterAll(() => rmSync(repo, { recursive: true, force: true }));

const check = (...args: string[]) =>
  runCli(['contract', 'check', '--schemas', join(repo, 'schemas'), ...args]);

describe('shopstream contract check', () => {
  it('exits 0 and names an added optional field, top-level and nested', async () => {
    editSchema('order.schema.json', (s) => {
      s.properties.coupon_code = { type: 'string', maxLength: 64, description: 'A coupon.' };
      s.properties.items.items.properties.discount = { type: 'number', minimum: 0, description: 'Off.' };
    });
    try {
      const result = await check('--against', 'HEAD');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/\+ coupon_code\s+compatible\s+field-added/);
      expect(result.stdout).toMatch(/\+ items\[\]\.discount\s+compatible\s+field-added/);
      expect(result.stdout).toContain('2 changes: 2 compatible, 0 conditional');
      const json = await check('--against', 'main', '--format', 'json');
      expect(json.code).toBe(0);
      const report = JSON.parse(json.stdout);
      expect(report.summary).toEqual({ compatible: 2, conditional: 0, breaking: 0 });
      expect(report.against).toMatch(/^git main @ [0-9a-f]{12}$/);
      expect(report.changes.map((c: { path: string }) => c.path)).toEqual([
        'items[].discount',
        'coupon_code',
      ]);
    } finally {
      restore();
    }
  });

  it('exits 1 naming a removed required field and a type change', async () => {
    editSchema('order.schema.json', (s) => {
      delete s.properties.customer_id;
      s.required = s.required.filter((f: string) => f !== 'customer_id');
      s.properties.total_amount.type = 'string';
    });
    try {
      const result = await check('--against', 'HEAD');
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/- customer_id\s+BREAKING\s+field-removed/);
      expect(result.stdout).toMatch(
        /~ total_amount\s+BREAKING\s+type-changed: type changed from number to string/,
      );
      expect(result.stderr).toContain(
        'SHOP_E_CONTRACT_BREAKING: 2 breaking changes: order.customer_id (field-removed), order.total_amount (type-changed)',
      );
    } finally {
      restore();
    }
  });

  it('names who a widened enum is not compatible for, and still exits 0', async () => {
    editSchema('user_activity.schema.json', (s) => s.properties.activity_type.enum.push('share'));
    try {
      const result = await check('--against', 'HEAD');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/~ activity_type\s+conditional\s+enum-widened: values added: "share"/);
      expect(result.stdout).toContain('not compatible for consumers of the views and of ref_activity_type');
    } finally {
      restore();
    }
  });

  it('passes with a visible notice when the ref is not in the clone, and fails with --require-baseline', async () => {
    const single = await check('--against', 'last-release', '--against', 'main~1');
    expect(single.code, single.stderr).toBe(0);
    expect(single.stderr).toContain('⚠ contract check SKIPPED');
    expect(single.stderr).toContain('no release tag is reachable from HEAD');
    expect(single.stderr).toContain('main~1 is not in this clone');
    const strict = await check('--against', 'main~1', '--require-baseline');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('SHOP_E_CONTRACT_BASELINE_MISSING');
  });

  it('falls back to the next --against, and says when a clone is shallow', async () => {
    git(repo, 'tag', 'v1.0.0');
    editSchema('inventory.schema.json', (s) => (s.properties.quantity_change.maximum = 50));
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', 'v2: narrower');
    try {
      const tagged = await check('--against', 'last-release', '--against', 'main~1');
      expect(tagged.code).toBe(1);
      expect(tagged.stdout).toContain('against git v1.0.0 (last release)');
      expect(tagged.stdout).toMatch(/~ quantity_change\s+BREAKING\s+range-narrowed: maximum 100 → 50/);

      const shallow = mkdtempSync(join(tmpdir(), 'contract-shallow-'));
      try {
        execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo}`, shallow], { stdio: 'ignore' });
        const result = await runCli([
          'contract',
          'check',
          '--schemas',
          join(shallow, 'schemas'),
          '--against',
          'main~1',
        ]);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stderr).toContain('main~1 is not in this clone (this clone is shallow');
      } finally {
        rmSync(shallow, { recursive: true, force: true });
      }
    } finally {
      git(repo, 'reset', '-q', '--hard', 'v1.0.0');
    }
  });
});
