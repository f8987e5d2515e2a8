import { execFileSync } from 'node:child_process';
import { readContract, type Contract } from '../contract-folder.js';

/** A contract read from git, or why there is none to read. */
export type GitContract =
  | { readonly found: true; readonly contract: Contract; readonly label: string }
  | { readonly found: false; readonly reason: string };

/**
 * The contract as it was at a git ref (a commit, branch, tag, `main~1`), read with `git show
 * <ref>:<folder>/<file>` in the repository that holds `folder`, without checking anything out.
 * `last-release` names the newest tag reachable from HEAD. A ref this clone does not have (a shallow
 * or single-commit clone, no tags fetched), a folder outside git, or a ref without the contract is
 * not an error but a reason: the caller decides whether a missing baseline fails.
 */
export function contractAtGitRef(ref: string, folder: string): GitContract {
  const git = (...args: string[]): string | undefined => {
    try {
      return execFileSync('git', ['-C', folder, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch {
      return undefined;
    }
  };
  if (git('rev-parse', '--show-toplevel') === undefined)
    return { found: false, reason: `${folder} is not inside a git repository` };
  const shallow = git('rev-parse', '--is-shallow-repository')?.trim() === 'true';
  const hint = shallow
    ? ' (this clone is shallow: `git fetch --unshallow --tags` brings the history)'
    : ' (fetch it, e.g. `git fetch --tags origin`)';
  let commitish = ref;
  if (ref === 'last-release') {
    const tag = git('describe', '--tags', '--abbrev=0', 'HEAD')?.trim();
    if (!tag) return { found: false, reason: `no release tag is reachable from HEAD in this clone${hint}` };
    commitish = tag;
  }
  const commit = git('rev-parse', '--verify', '--quiet', `${commitish}^{commit}`)?.trim();
  if (!commit) return { found: false, reason: `${commitish} is not in this clone${hint}` };
  const prefix = git('rev-parse', '--show-prefix')?.trim() ?? '';
  const label = `${ref === 'last-release' ? `${commitish} (last release)` : commitish} @ ${commit.slice(0, 12)}`;
  const read = (name: string): string | undefined => git('show', `${commit}:${prefix}${name}`);
  if (read('common.schema.json') === undefined)
    return {
      found: false,
      reason: `${commitish} has no ${prefix}common.schema.json (older than the contract)`,
    };
  return { found: true, contract: readContract(`${commitish}:${prefix}`, read), label };
}
