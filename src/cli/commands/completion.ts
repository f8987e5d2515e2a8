import { Argument, type Command } from 'commander';

/** `shopstream completion bash|zsh`: a shell completion script made from the CLI's own command tree. */
export function register(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash or zsh) for every command, option and choice')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      "\nbash:  echo 'source <(shopstream completion bash)' >> ~/.bashrc\n" +
        'zsh:   shopstream completion zsh > "${fpath[1]}/_shopstream"   (or, after compinit in ~/.zshrc:\n' +
        '       source <(shopstream completion zsh))\n' +
        'It completes the `shopstream` command, so put shopstream on your PATH (`npm link` in the clone).',
    )
    .action(async (shell: 'bash' | 'zsh', _opts: unknown, command: Command) => {
      const [{ completionTree }, { bashCompletion }, { zshCompletion }] = await Promise.all([
        import('../completion/command-tree.js'),
        import('../completion/bash-completion.js'),
        import('../completion/zsh-completion.js'),
      ]);
      const tree = completionTree(command.parent!);
      process.stdout.write(shell === 'bash' ? bashCompletion(tree) : zshCompletion(tree));
    });
}
