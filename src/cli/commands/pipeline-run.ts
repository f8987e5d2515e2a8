import type { Command } from 'commander';
import { commandContext, parseDuration, parsePositiveInt } from '../command-context.js';

/** `shopstream pipeline run`: the streaming pipeline, until SIGTERM/SIGINT or, with --exit-when-idle, until drained. */
export function register(program: Command): void {
  const pipeline = program.command('pipeline').description('the streaming pipeline');
  pipeline
    .command('run')
    .description('read the subscription, validate, write lake + warehouse + DLQ, ack when durable')
    .option('--exit-when-idle', 'drain the backlog, then exit (tests, benchmarks, replays)')
    .option('--idle <duration>', 'with --exit-when-idle: how long without messages counts as idle', '2s')
    .option('--port <port>', 'serve /metrics and /healthz on this port (default $PORT, else none)')
    .option('--host <host>', 'address for /metrics and /healthz', '127.0.0.1')
    .addHelpText(
      'after',
      '\nA failing sink never loses messages: they are held and retried. When retrying cannot fix it (a missing\n' +
        'table, a permission), /healthz answers 503 with blocked.<sink> = {code, fix}, the gauge\n' +
        'shopstream_sink_blocked{sink,code} is 1, and the pipeline resumes on its own once it is fixed.\n' +
        'A row the warehouse refuses for good goes to the DLQ as SHOP_E_SINK_ROW_REJECTED.',
    )
    .action(
      async (
        opts: { exitWhenIdle?: boolean; idle: string; port?: string; host: string },
        command: Command,
      ) => {
        const { config, logger } = commandContext(command);
        const idleMs = parseDuration('--idle', opts.idle, 1);
        const portText = opts.port ?? process.env.PORT;
        const port = portText === undefined ? undefined : parsePositiveInt('--port', portText, 65_535);
        const { runPipelineProcess } = await import('../../pipeline/run-pipeline-process.js');
        const stats = await runPipelineProcess({
          config,
          logger,
          exitWhenIdle: opts.exitWhenIdle === true,
          idleMs,
          port,
          host: opts.host,
        });
        process.stdout.write(JSON.stringify(stats) + '\n');
      },
    );
}
