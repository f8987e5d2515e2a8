import type { Command } from 'commander';
import { Option } from 'commander';
import { relative } from 'node:path';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { commandContext, parsePositiveInt } from '../command-context.js';

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

  contract
    .command('suggest')
    .description(
      'propose schema additions from traffic: fields beyond the contract in the lake, enum values in the DLQ',
    )
    .option('--since <time>', 'only lake folders of this RFC 3339 time or later')
    .option('--max-events <n>', 'events read per type, newest first', '100000')
    .option(
      '--metrics <url>',
      "also show a running pipeline's shopstream_unknown_fields_total (e.g. http://127.0.0.1:9464/metrics)",
    )
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
The pipeline accepts fields the contract does not name (forward compatibility): it keeps them in the
lake line, leaves them out of the row, and counts them (shopstream_unknown_fields_total). This reads
those lines back, reports every such field with how often it appeared, its observed types and a few
values, and the enum values events were dead-lettered for (SHOP_E_FIELD_ENUM), then prints the
schema additions it would propose: optional properties, typed from what was seen. It changes nothing.`,
    )
    .action(
      async (
        opts: { since?: string; maxEvents: string; metrics?: string; format: 'text' | 'json' },
        command: Command,
      ) => {
        const { config } = commandContext(command);
        const maxEventsPerType = parsePositiveInt('--max-events', opts.maxEvents);
        const since = opts.since === undefined ? undefined : new Date(opts.since);
        if (since && Number.isNaN(since.getTime()))
          throw new ShopstreamError('SHOP_E_USAGE', `--since ${opts.since}: expected an RFC 3339 time`);
        const [
          { contractFolder, readContractFolder },
          { UnknownFieldObserver },
          { contractSuggestion },
          report,
        ] = await Promise.all([
          import('../../contract/contract-folder.js'),
          import('../../contract/evolution/unknown-field-observer.js'),
          import('../../contract/evolution/contract-suggestion.js'),
          import('../../contract/evolution/contract-suggest-report.js'),
        ]);
        const [{ openLake }, { observeLakeTraffic }] = await Promise.all([
          import('../../lake/open-lake.js'),
          import('../../lake/observe-lake-traffic.js'),
        ]);
        const observer = new UnknownFieldObserver(readContractFolder(contractFolder()));
        const lake = await openLake(config.lake);
        let read;
        try {
          await lake.start();
          read = await observeLakeTraffic(lake, observer, { since, maxEventsPerType });
        } finally {
          await lake.close();
        }
        const unknownFieldsMetric = opts.metrics ? await unknownFieldCounts(opts.metrics) : undefined;
        const suggestion = contractSuggestion(observer);
        const source = {
          lake: config.lake,
          ...read,
          ...(unknownFieldsMetric ? { unknownFieldsMetric } : {}),
        };
        process.stdout.write(
          opts.format === 'json'
            ? JSON.stringify({ source, ...suggestion }, null, 2) + '\n'
            : report.contractSuggestText(suggestion, source),
        );
      },
    );
}

/** shopstream_unknown_fields_total by event type, read from a pipeline's Prometheus endpoint. */
async function unknownFieldCounts(url: string): Promise<Record<string, number>> {
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    text = await response.text();
  } catch (error) {
    throw new ShopstreamError(
      'SHOP_E_USAGE',
      `--metrics ${url}: cannot read it (${(error as Error).message})`,
    );
  }
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^shopstream_unknown_fields_total\{event_type="(\w+)"\} ([0-9.e+]+)$/gm))
    counts[m[1]!] = Number(m[2]);
  return counts;
}
