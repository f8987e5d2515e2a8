/** `text` as one single-quoted word for bash and zsh. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * A shell function (bash and zsh alike) that looks `subject` up in a table: `case subject in
 * 'key') body ;; … *) fallback ;; esac`, preceded by a comment line.
 */
export function lookupFunction(
  name: string,
  comment: string,
  subject: string,
  arms: readonly (readonly [key: string, body: string])[],
  fallback: string,
): string {
  return [
    `# ${comment}`,
    `${name}() {`,
    `  case "${subject}" in`,
    ...arms.map(([key, body]) => `    ${shellQuote(key)}) ${body} ;;`),
    `    *) ${fallback} ;;`,
    '  esac',
    '}',
  ].join('\n');
}
