import type { Command } from 'commander';
import { Option } from 'commander';
import { relative } from 'node:path';
import { ShopstreamError } from '../../errors/shopstream-error.js';

/**
 * `shopstream contract check | suggest`: guard the event contract before a change ships, and learn
 * from traffic what producers send beyond it.
 */
export function register(program: Command): void {
  const contract = program
    .command('contract')
    .description('check a contract change for compatibility; suggest additions from observed traffic');

  contract
    .command('check')
    .description(
      'compare the working contract (schemas/) with an earlier one, field by field; exit 1 on a breaking change',
    )
    .requiredOption(
      '--against <ref|folder>',
      'the earlier contract: a git ref (main~1, v1.2.0, a commit; `last-release` = newest tag reachable from HEAD) or a folder of schemas; repeat it to fall back to the next when one is missing from the clone',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--schemas <folder>', 'the working contract (default: $SHOPSTREAM_SCHEMAS or ./schemas)')
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json']).default('text'))
    .option(
      '--require-baseline',
      'fail (SHOP_E_CONTRACT_BASELINE_MISSING) when no --against can be read; by default that is a notice and exit 0',
    )
    .addHelpText(
      'after',
      `
Classification (docs/schema-evolution.md):
  compatible   for readers and writers: a new optional field, a description
  conditional  compatible except for the parties the report names: a widened enum or range
               (pipelines of the previous contract dead-letter the new values; consumers of the
               views and of ref_ enumeration tables see values they never saw)
  BREAKING     a removed or renamed field, a type change, a new required field, optional ↔
               required, a narrowed range, enum or pattern: exit code 1

A ref missing from the clone (shallow, single commit, no tags) is reported as a notice and the check
passes, so CI on a fresh shallow clone does not fail for lack of history; a real breaking change fails.

Examples:
  shopstream contract check --against main~1
  shopstream contract check --against last-release --against main~1 --format json
  shopstream contract check --against ../old-checkout/schemas`,
    )
    .action(
      async (opts: {
        against: string[];
        schemas?: string;
        format: 'text' | 'json';
        requireBaseline?: boolean;
      }) => {
        const [
          { contractFolder, readContractFolder },
          { resolveBaseline },
          { compareContracts },
          report,
          sources,
        ] = await Promise.all([
          import('../../contract/contract-folder.js'),
          import('../../contract/evolution/contract-baseline.js'),
          import('../../contract/evolution/compare-contracts.js'),
          import('../../contract/evolution/contract-check-report.js'),
          import('../../warehouse/model/enumeration-sources.js'),
        ]);
        const working = opts.schemas ?? contractFolder();
        const inside = relative(process.cwd(), working);
        const shown = inside === '' ? '.' : inside.startsWith('..') ? working : inside;
        const current = readContractFolder(working);
        const baseline = resolveBaseline(opts.against, working);
        if (!baseline.found) {
          const reasons = baseline.reasons.map((r) => `  - ${r}`).join('\n');
          if (opts.requireBaseline)
            throw new ShopstreamError(
              'SHOP_E_CONTRACT_BASELINE_MISSING',
              `contract check: none of ${opts.against.join(', ')} can be read:\n${reasons}`,
            );
          process.stderr.write(
            `⚠ contract check SKIPPED: nothing to compare ${shown} against; none of ${opts.against.join(', ')} can be read:\n${reasons}\n` +
              '  (pass --require-baseline to fail instead)\n',
          );
          if (opts.format === 'json')
            process.stdout.write(
              JSON.stringify(
                { working: shown, against: null, skipped: true, reasons: baseline.reasons },
                null,
                2,
              ) + '\n',
            );
          return;
        }
        const changes = compareContracts(baseline.contract, current, {
          enumerationTables: Object.values(sources.ENUMERATION_SOURCES),
        });
        const result = { working: shown, against: baseline.label, changes };
        process.stdout.write(
          opts.format === 'json' ? report.contractCheckJson(result) : report.contractCheckText(result),
        );
        const breaking = changes.filter((c) => c.compatibility === 'breaking');
        if (breaking.length > 0)
          throw new ShopstreamError(
            'SHOP_E_CONTRACT_BREAKING',
            `${breaking.length} breaking change${breaking.length === 1 ? '' : 's'}: ${breaking
              .map((c) => `${c.eventType}${c.path ? `.${c.path}` : ''} (${c.kind})`)
              .join(', ')}. Make it a new optional field, or see docs/schema-evolution.md#breaking-changes`,
            { context: { breaking } },
          );
      },
    );
}
