import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A small tmpfs mounted on a folder, which a test fills up to get real "no space left on device"
 * (ENOSPC) failures from whatever writes there, then frees again. Mounting needs root (or
 * CAP_SYS_ADMIN), which this sandbox has; {@link SmallDisk.supported} tells.
 *
 * @example
 * const disk = SmallDisk.mount(join(stack.dir, 'lake'), 16);
 * disk.fill();   // every write below the folder now fails with ENOSPC
 * disk.free();   // and works again
 * disk.unmount();
 */
export class SmallDisk {
  private readonly filler: string;

  private constructor(readonly dir: string) {
    this.filler = join(dir, '.filler');
  }

  /** Mounts a tmpfs of `sizeMb` on `dir` (created when missing); what was in `dir` is hidden meanwhile. */
  static mount(dir: string, sizeMb: number): SmallDisk {
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0777`, 'tmpfs', dir]);
    return new SmallDisk(dir);
  }

  /**
   * True when this process may mount a tmpfs. Prints why not otherwise; with `CI=true` a missing
   * capability throws, so a CI run cannot pass by skipping.
   */
  static supported(): boolean {
    const probe = mkdtempSync(join(tmpdir(), 'shopstream-mount-probe-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
      execFileSync('umount', [probe]);
      return true;
    } catch (error) {
      const message = `cannot mount a tmpfs (${(error as Error).message.split('\n')[0]}): disk-full tests need root`;
      if (process.env.CI === 'true') throw new Error(`${message}. CI=true, so this fails the run.`);
      console.warn(`\n⚠ SKIPPING disk-full tests: ${message}.\n`);
      return false;
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  }

  /** Bytes still free on the disk. */
  get availableBytes(): number {
    const stats = statfsSync(this.dir);
    return stats.bavail * stats.bsize;
  }

  /** Takes every free byte with a filler file (again, if something freed space since). */
  fill(): void {
    const fd = openSync(this.filler, 'a');
    try {
      for (const size of [1 << 20, 1 << 16, 1 << 12, 1 << 9]) {
        const chunk = Buffer.alloc(size, 0x78);
        try {
          for (;;) writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Removes the filler: the space is there again. */
  free(): void {
    rmSync(this.filler, { force: true });
  }

  /** Unmounts (lazily, should a process still hold a file open there). Safe to call twice. */
  unmount(): void {
    try {
      execFileSync('umount', ['-l', this.dir], { stdio: 'ignore' });
    } catch {
      // Not mounted (any more).
    }
  }
}
