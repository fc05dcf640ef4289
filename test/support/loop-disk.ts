/**
 * A small ext4 file system of its own, loop-mounted on a temporary folder, for tests of a disk that fills up
 * and of a folder that turns read-only under a running server. It needs root (mount) and e2fsprogs (mkfs.ext4,
 * chattr): without them suites skip and say why; with TOKENSCOPE_REQUIRE_SYSTEM_PROGRAMS=1 (CI, as root) the
 * lack is a failure.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_PROGRAMS_REQUIRED, systemProgram } from './system-program';

export interface LoopDisk {
  /** The mounted folder. */
  dir: string;
  /** Bytes still free for files. */
  availableBytes(): number;
  /** Takes all free space but about `leaveBytes` with one file. */
  fill(leaveBytes: number): void;
  /** Removes what `fill` took. */
  unfill(): void;
  /**
   * Marks the folder and every file in it immutable, or writable again. Unlike a read-only remount (refused
   * while a file is open for writing), this holds for files already open: their writes fail with EPERM.
   */
  setReadOnly(readOnly: boolean): void;
  /** Unmounts and removes everything. */
  remove(): void;
}

const mkfs = systemProgram('mkfs.ext4', 'apt-get install e2fsprogs');
const chattr = systemProgram('chattr', 'apt-get install e2fsprogs');

function whyNot(): string {
  if (mkfs.skipReason) return mkfs.skipReason;
  if (chattr.skipReason) return chattr.skipReason;
  const reason = process.getuid?.() !== 0 ? 'mounting a file system needs root' : !existsSync('/dev/loop-control') ? 'no loop devices (/dev/loop-control)' : '';
  if (!reason) return '';
  if (SYSTEM_PROGRAMS_REQUIRED) throw new Error(`TOKENSCOPE_REQUIRE_SYSTEM_PROGRAMS=1 but ${reason}`);
  console.warn(`skipping: ${reason}`);
  return ` [skipped: ${reason}]`;
}

/** Empty when a loop disk can be made here, else why the suite skips (for its title). */
export const loopDiskSkipReason = whyNot();

export function makeLoopDisk(sizeBytes = 48 * 1024 * 1024): LoopDisk {
  const root = mkdtempSync(join(tmpdir(), 'tokenscope-disk-'));
  const image = join(root, 'disk.img');
  const dir = join(root, 'mnt');
  mkdirSync(dir);
  const fd = openSync(image, 'w');
  ftruncateSync(fd, sizeBytes);
  closeSync(fd);
  // -m 0: no blocks reserved for root, who runs the server in CI, so "full" is full for it too.
  execFileSync(mkfs.path!, ['-q', '-F', '-m', '0', image]);
  execFileSync('mount', ['-o', 'loop', image, dir]);
  const filler = join(dir, 'filler');
  const available = () => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    availableBytes: available,
    fill(leaveBytes) {
      execFileSync('fallocate', ['-l', String(Math.max(4096, available() - leaveBytes)), filler]);
    },
    unfill() {
      rmSync(filler, { force: true });
    },
    setReadOnly(readOnly) {
      execFileSync(chattr.path!, ['-R', readOnly ? '+i' : '-i', dir]);
    },
    remove() {
      try {
        execFileSync(chattr.path!, ['-R', '-i', dir]);
        execFileSync('umount', [dir]);
      } catch {
        execFileSync('umount', ['-l', dir]);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
