import type { Command } from 'commander';

/** One option as a shell completes it. */
export interface CompletionOption {
  /** `['-c', '--config']`. */
  readonly names: readonly string[];
  readonly description: string;
  /** Whether a value follows (`--config <file>`). */
  readonly takesValue: boolean;
  /** The values it accepts, when commander knows them (`.choices([...])`); else any (a file, say). */
  readonly choices: readonly string[];
}

/** A command and what can follow it. */
export interface CompletionNode {
  readonly name: string;
  readonly description: string;
  /** Subcommand names from the root: `['dlq', 'replay']`; `[]` for the program itself. */
  readonly path: readonly string[];
  /** Its own options; the program's options are accepted after every command, so the root's apply everywhere. */
  readonly options: readonly CompletionOption[];
  readonly subcommands: readonly CompletionNode[];
  /** Choices of its first positional argument, when commander knows them. */
  readonly argumentChoices: readonly string[];
}

const HELP_OPTION: CompletionOption = {
  names: ['-h', '--help'],
  description: 'show help',
  takesValue: false,
  choices: [],
};

/**
 * The CLI as a shell completes it, read from the commander tree the CLI runs (commands, subcommands,
 * options, choices), so a completion script can never list a command or flag the CLI does not have.
 * Hidden options are left out; commander's implicit `--help` and `help` command are put in.
 */
export function completionTree(program: Command, path: readonly string[] = []): CompletionNode {
  const subcommands = program.commands.map((sub) => completionTree(sub, [...path, sub.name()]));
  if (subcommands.length > 0)
    subcommands.push({
      name: 'help',
      description: 'show help for a command',
      path: [...path, 'help'],
      options: [],
      subcommands: [],
      argumentChoices: program.commands.map((sub) => sub.name()),
    });
  return {
    name: program.name(),
    description: firstLine(program.description()),
    path,
    options: [
      ...program.options
        .filter((option) => !option.hidden)
        .map((option) => ({
          names: [option.short, option.long].filter((name): name is string => name !== undefined),
          description: firstLine(option.description),
          takesValue: option.required || option.optional,
          choices: option.argChoices ?? [],
        })),
      // --help works after every command; as a program option it is offered everywhere once.
      ...(path.length === 0 ? [HELP_OPTION] : []),
    ],
    subcommands,
    argumentChoices: program.registeredArguments[0]?.argChoices ?? [],
  };
}

/** Every node of the tree, the root first. */
export function allNodes(node: CompletionNode): CompletionNode[] {
  return [node, ...node.subcommands.flatMap(allNodes)];
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
