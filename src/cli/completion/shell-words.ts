import type { CompletionNode } from './command-tree.js';

/** `text` as one single-quoted word for bash and zsh. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The arms of a `case` statement, one `'pattern') body ;;` per line, patterns quoted. */
export function caseArms(arms: readonly (readonly [pattern: string, body: string])[]): string {
  return arms.map(([pattern, body]) => `    ${shellQuote(pattern)}) ${body} ;;`).join('\n');
}

/** The names of a command's own options that take a value. */
export function valueOptionNames(node: CompletionNode): string[] {
  return node.options.filter((o) => o.takesValue).flatMap((o) => o.names);
}
