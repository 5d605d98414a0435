// Where an export (or a report's PDF) goes is checked before anything is read or written, and the file is written
// beside its target under a temporary name and renamed at the end: a missing or read-only folder is one sentence,
// and a failure half-way never leaves a truncated file under the name the user asked for.
import { closeSync, existsSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors';

/** The absolute target path, once its folder is known to exist and to be writable. */
export function checkTarget(path: string, what = 'the export'): string {
  const target = resolve(path);
  const folder = dirname(target);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new UserError('export.no-folder', `There is no folder ${folder} to write ${what} into; create it first or choose another.`);
  }
  // Permission bits do not tell (root ignores them; read-only mounts and sysfs refuse anyway): try to make a file.
  const probe = join(folder, `.cajal-probe-${process.pid}-${Date.now()}`);
  try {
    closeSync(openSync(probe, 'wx'));
    rmSync(probe, { force: true });
  } catch {
    throw new UserError('export.read-only', `The folder ${folder} is read-only, so ${what} cannot be written there; choose a writable folder.`);
  }
  if (existsSync(target) && statSync(target).isDirectory()) {
    throw new UserError('export.is-folder', `${target} is a folder; give a file name to write ${what} to.`);
  }
  return target;
}

/** Runs `write` on a temporary path beside `target`, then renames it into place; on failure nothing is left. */
export async function writeAtomically<T>(target: string, write: (tmp: string) => Promise<T> | T): Promise<T> {
  const tmp = `${target}.${process.pid}.part`;
  try {
    const result = await write(tmp);
    renameSync(tmp, target);
    return result;
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
