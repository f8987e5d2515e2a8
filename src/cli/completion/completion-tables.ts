import { allNodes, type CompletionNode } from './command-tree.js';

/** A word to offer and what it does. */
export type DescribedWord = readonly [word: string, description: string];

/**
 * What a completion script looks up, keyed by command path (`'dlq replay'`, `''` for the program):
 * the same tables for bash and zsh, which only write them differently.
 */
export interface CompletionTables {
  /** The subcommands after a path. */
  readonly subcommands: readonly (readonly [path: string, words: readonly DescribedWord[]])[];
  /** A command's own options (the program's, under `''`, apply after every command). */
  readonly options: readonly (readonly [path: string, words: readonly DescribedWord[]])[];
  /** A command's own options that take a value. */
  readonly valueOptions: readonly (readonly [path: string, names: readonly string[]])[];
  /** Keyed `path|--option` for an option's value, `path|` for a command's first argument. */
  readonly choices: readonly (readonly [key: string, values: readonly string[]])[];
}

export function completionTables(tree: CompletionNode): CompletionTables {
  const nodes = allNodes(tree);
  const key = (node: CompletionNode): string => node.path.join(' ');
  return {
    subcommands: nodes
      .filter((n) => n.subcommands.length > 0)
      .map((n) => [key(n), n.subcommands.map((s) => [s.name, s.description] as const)]),
    options: nodes.map((n) => [
      key(n),
      n.options.flatMap((o) => o.names.map((name) => [name, o.description] as const)),
    ]),
    valueOptions: nodes
      .map((n) => [key(n), n.options.filter((o) => o.takesValue).flatMap((o) => o.names)] as const)
      .filter(([, names]) => names.length > 0),
    choices: nodes.flatMap((n) => [
      ...n.options
        .filter((o) => o.choices.length > 0)
        .flatMap((o) => o.names.map((name) => [`${key(n)}|${name}`, o.choices] as const)),
      ...(n.argumentChoices.length > 0 ? [[`${key(n)}|`, n.argumentChoices] as const] : []),
    ]),
  };
}
