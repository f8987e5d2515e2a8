import { readFileSync } from 'node:fs';

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ: 100 on every Linux we run on). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds a process has used so far, from /proc/<pid>/stat: its own (utime + stime), or those of
 * its children it has waited for (cutime + cstime). Reads the kernel's account from outside, so it
 * works for a child process and costs the measured process nothing.
 */
export function procCpuSeconds(pid: number | 'self', of: 'own' | 'children' = 'own'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name, in parentheses, may hold spaces: count the fields after it (the 3rd is first).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [user, system] = of === 'own' ? [fields[11], fields[12]] : [fields[13], fields[14]];
  return (Number(user) + Number(system)) / TICKS_PER_SECOND;
}
