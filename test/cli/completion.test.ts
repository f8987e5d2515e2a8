import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allNodes, completionTree } from '../../src/cli/completion/command-tree.js';
import { buildProgram } from '../../src/cli/main.js';
import { runCli } from '../support/run-cli.js';

// The scripts are what `shopstream completion bash|zsh` prints, run in a real bash and a real zsh.
// What they must offer is read from the same commander tree the CLI runs, so a command or option the
// CLI gains is expected here without editing this file.

const tree = completionTree(await buildProgram());
const nodes = allNodes(tree);
const globalOptions = tree.options.flatMap((o) => o.names);

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'shopstream-completion-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function script(shell: 'bash' | 'zsh'): Promise<string> {
  const run = await runCli(['completion', shell]);
  expect(run.code, run.stderr).toBe(0);
  const file = join(scratch, `shopstream.${shell}`);
  writeFileSync(file, run.stdout);
  return file;
}

describe('shopstream completion bash, in bash', () => {
  let file: string;
  beforeAll(async () => {
    file = await script('bash');
  }, 60_000);

  /** What bash offers for a command line whose last word is being completed ('' = a fresh word). */
  function complete(...lines: string[][]): string[][] {
    const body = lines
      .map(
        (words) =>
          `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _shopstream; printf '%s\\n' "\${COMPREPLY[@]}"; echo '<END>'`,
      )
      .join('\n');
    const run = spawnSync('bash', ['--norc', '--noprofile', '-c', `source '${file}'\n${body}`], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    return run.stdout
      .split('<END>\n')
      .slice(0, lines.length)
      .map((block) => block.split('\n').filter(Boolean));
  }

  it('registers itself for shopstream, falling back to file names', () => {
    const run = spawnSync('bash', ['--norc', '-c', `source '${file}'; complete -p shopstream`], {
      encoding: 'utf8',
    });
    expect(run.stdout.trim()).toBe('complete -o default -F _shopstream shopstream');
  });

  it('completes every command and subcommand of the CLI, and prefixes of them', () => {
    const withSubcommands = nodes.filter((n) => n.subcommands.length > 0);
    const offered = complete(...withSubcommands.map((n) => ['shopstream', ...n.path, '']));
    withSubcommands.forEach((node, i) =>
      expect(offered[i], node.path.join(' ')).toEqual(node.subcommands.map((s) => s.name)),
    );
    expect(tree.subcommands.map((s) => s.name)).toEqual(
      expect.arrayContaining(['pipeline', 'backfill', 'dlq', 'completion', 'help']),
    );
    expect(complete(['shopstream', 'pi'], ['shopstream', 'dlq', 're'])).toEqual([['pipeline'], ['replay']]);
  });

  it("completes every command's own options and the program's, after options with values too", () => {
    const offered = complete(...nodes.map((n) => ['shopstream', ...n.path, '-']));
    nodes.forEach((node, i) => {
      const own = node.options.flatMap((o) => o.names);
      expect(offered[i]!.sort(), node.path.join(' ')).toEqual(
        [...new Set([...own, ...globalOptions])].sort(),
      );
    });
    expect(
      complete(
        ['shopstream', '--bus', 'embedded:x', 'pipeline', 'run', '--ex'],
        ['shopstream', '--log-level', '=', 'debug', 'dlq', 'replay', '--dr'],
        ['shopstream', 'backfill', '--from', 'x', '--j'],
      ),
    ).toEqual([['--exit-when-idle'], ['--dry-run'], ['--json']]);
  });

  it("completes an option's choices, as a separate word or after =, and a command's argument", () => {
    expect(
      complete(
        ['shopstream', '--log-level', ''],
        ['shopstream', 'pipeline', 'run', '--log-level', 'd'],
        ['shopstream', '--log-level', '=', 'w'],
        ['shopstream', '--log-level', '='],
        ['shopstream', 'query', '--format', 'j'],
        ['shopstream', 'completion', ''],
        ['shopstream', 'help', 'ba'],
      ),
    ).toEqual([
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      ['debug'],
      ['warn'],
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      ['json'],
      ['bash', 'zsh'],
      ['backfill'],
    ]);
  });

  it('offers nothing of its own for a free value (bash then completes file names)', () => {
    expect(complete(['shopstream', 'backfill', '--from', ''], ['shopstream', '--config', 'sh'])).toEqual([
      [],
      [],
    ]);
  });
});

const zsh = spawnSync('zsh', ['--version'], { encoding: 'utf8' });
const hasZsh = zsh.status === 0;
if (!hasZsh) {
  const message = 'zsh is not installed (apt-get install zsh)';
  if (process.env.CI === 'true') throw new Error(`${message}. CI=true, so this fails the run.`);
  console.warn(`\n⚠ SKIPPING zsh completion tests: ${message}.\n`);
}

describe.skipIf(!hasZsh)('shopstream completion zsh, in an interactive zsh', () => {
  let file: string;
  beforeAll(async () => {
    file = await script('zsh');
    writeFileSync(join(scratch, 'events.ndjson'), '');
  }, 60_000);

  /**
   * Types `line` and a TAB into an interactive zsh (in a pseudo-terminal, compinit loaded, the
   * script sourced) and returns what the completion system was given to offer: compadd is wrapped
   * to print its matches, so _describe, _files and our functions all run for real.
   */
  function complete(line: string): string[] {
    const driver = join(scratch, 'drive.zsh');
    writeFileSync(
      driver,
      `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='@@PROMPT@@'; cd '${scratch}'; autoload -U compinit && compinit -u -D; source '${file}'"
zpty -w z 'compadd () { if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return $?; fi; typeset -a __hits; builtin compadd -A __hits "$@"; (( $#__hits )) && print -n -- "\\n@@HITS \${(j:|:)__hits} HITS@@\\n"; builtin compadd "$@"; }; print "@@"READY"@@"'
local out
# Type only once zle has drawn the prompt after READY: input that arrives earlier may miss the TAB.
zpty -r z out '*@@READY@@*@@PROMPT@@*'
zpty -w -n z "$1"$'\\t'
zpty -w z $'\\C-u'"print '@@'DONE'@@'"
zpty -r z out '*@@DONE@@*'
zpty -d z
print -rl -- \${(M)\${(f)out}:#*@@HITS*}
`,
    );
    const run = spawnSync('zsh', ['-f', driver, line], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    return run.stdout
      .split('\n')
      .map((l) => /@@HITS (.*) HITS@@/.exec(l)?.[1])
      .filter((hits): hits is string => hits !== undefined)
      .flatMap((hits) => hits.split('|'));
  }

  it('completes subcommands, options with their descriptions, choices and file names', () => {
    expect(complete('shopstream pipeline ').sort()).toEqual(['help', 'run']);
    expect(complete('shopstream dlq replay --dr')).toEqual(['--dry-run']);
    expect(complete('shopstream --bus embedded:x pipeline run --exit')).toEqual(['--exit-when-idle']);
    expect(complete('shopstream --log-level d')).toEqual(['debug']);
    expect(complete('shopstream --log-level=w')).toEqual(['warn']);
    expect(complete('shopstream completion ').sort()).toEqual(['bash', 'zsh']);
    expect(complete('shopstream backfill --from ev')).toEqual(['events.ndjson']);
  });

  it('offers every command of the CLI', () => {
    expect(complete('shopstream ').sort()).toEqual(tree.subcommands.map((s) => s.name).sort());
  });
});
