import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { TerraformConfig } from './terraform-config.js';

/** Environment for every terraform run: no update check (tests talk to 127.0.0.1 only), no prompts. */
export const TERRAFORM_ENV = {
  ...process.env,
  CHECKPOINT_DISABLE: '1',
  TF_IN_AUTOMATION: '1',
  TF_INPUT: '0',
};

/** True when a terraform binary answers on PATH. */
export function terraformInstalled(): boolean {
  const result = spawnSync('terraform', ['version'], { env: TERRAFORM_ENV, encoding: 'utf8' });
  return result.status === 0;
}

/**
 * Evaluates a Terraform expression with the real terraform binary, in the context of the module's
 * variables and locals, without providers or network: `terraform console` on a scratch copy that
 * holds the module's variables (defaults, or `variables` overrides) and every local that does not read
 * a resource or data source. Files the locals read (schemas/, ../../sql) resolve as in the module.
 */
export function evaluate(
  config: TerraformConfig,
  repoRoot: string,
  expression: string,
  variables: Readonly<Record<string, unknown>> = {},
): unknown {
  const scratch = mkdtempSync(join(tmpdir(), 'shopstream-tf-'));
  try {
    const moduleDir = join(scratch, relative(repoRoot, config.dir));
    mkdirSync(moduleDir, { recursive: true });
    // Mirror the repository around the module so relative paths (../../sql) resolve the same.
    for (const entry of readdirSync(repoRoot))
      if (!['infra', 'node_modules', '.git'].includes(entry))
        symlinkSync(join(repoRoot, entry), join(scratch, entry));
    for (const entry of readdirSync(config.dir))
      if (!entry.endsWith('.tf') && !entry.startsWith('.'))
        symlinkSync(join(config.dir, entry), join(moduleDir, entry));

    const variable = Object.fromEntries(
      Object.entries(config.variables).map(([name, block]) => [
        name,
        { default: name in variables ? variables[name] : (block.default ?? null) },
      ]),
    );
    // The expression goes into the configuration (JSON syntax: a string is a template, "${…}" an
    // expression), so it may span lines; the console only prints it.
    const locals = { ...evaluableLocals(config.locals), shopstream_eval: `\${jsonencode(${expression})}` };
    writeFileSync(join(moduleDir, 'eval.tf.json'), JSON.stringify({ variable, locals }, null, 2));

    const result = spawnSync('terraform', ['console'], {
      cwd: moduleDir,
      env: TERRAFORM_ENV,
      input: 'local.shopstream_eval\n',
      encoding: 'utf8',
    });
    const line = result.stdout.trim().split('\n').pop() ?? '';
    if (result.status !== 0 || !line.startsWith('"'))
      throw new Error(
        `terraform console could not evaluate ${expression}:\n${result.stdout}\n${result.stderr}`,
      );
    return JSON.parse(JSON.parse(line) as string) as unknown;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Locals that need no provider: those reading no resource or data source, directly or through another local. */
function evaluableLocals(locals: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const readsInfrastructure = /\b(data\.|google_\w+\.)/;
  const kept = new Map(
    Object.entries(locals).filter(([, v]) => !readsInfrastructure.test(JSON.stringify(v))),
  );
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, value] of kept) {
      const uses = [...JSON.stringify(value).matchAll(/\blocal\.(\w+)/g)].map((m) => m[1]!);
      if (uses.some((used) => !kept.has(used))) {
        kept.delete(name);
        changed = true;
      }
    }
  }
  return Object.fromEntries(kept);
}
