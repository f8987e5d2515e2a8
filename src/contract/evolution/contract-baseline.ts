import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readContractFolder, type Contract } from '../contract-folder.js';
import { contractAtGitRef } from './git-contract.js';

/** The earlier contract a check compares against, or the reasons none of the candidates could be read. */
export type Baseline =
  | { readonly found: true; readonly contract: Contract; readonly label: string }
  | { readonly found: false; readonly reasons: readonly string[] };

/**
 * The first of `candidates` that can be read: a folder (holding the schema files, or a project with
 * a `schemas/` folder), else a git ref (see {@link contractAtGitRef}) of the repository that holds
 * `workingFolder`, whose path inside it is used at that ref.
 *
 * @example
 * resolveBaseline(['last-release', 'main~1'], 'schemas'); // the last tag, else main's parent
 */
export function resolveBaseline(candidates: readonly string[], workingFolder: string): Baseline {
  const reasons: string[] = [];
  for (const candidate of candidates) {
    if (existsSync(candidate) && statSync(candidate).isDirectory()) {
      const folder = existsSync(join(candidate, 'common.schema.json'))
        ? candidate
        : join(candidate, 'schemas');
      if (!existsSync(join(folder, 'common.schema.json'))) {
        reasons.push(`${candidate} is a folder without common.schema.json (or schemas/common.schema.json)`);
        continue;
      }
      return { found: true, contract: readContractFolder(folder), label: `folder ${folder}` };
    }
    const fromGit = contractAtGitRef(candidate, workingFolder);
    if (fromGit.found) return { found: true, contract: fromGit.contract, label: `git ${fromGit.label}` };
    reasons.push(fromGit.reason);
  }
  return { found: false, reasons };
}
