// A `--limit` larger than the stimulus set used to be cut silently to the set's size (issue #8): the user asked for
// 100,000 noise images and got 1,000 without a word. Refuse in one sentence that says how to get what was asked.
import { UserError } from '../errors';

/** `what` names the set ("noise:white", "stimulus set 3"); `noise` is its distribution when it is a noise set. */
export function checkHarvestLimit(limit: number | undefined, count: number, what: string, noise?: string): void {
  if (limit === undefined || limit <= count) return;
  const larger = noise ? `a larger set (noise:${noise}:${limit})` : 'a larger stimulus set';
  throw new UserError(
    'harvest.limit',
    `--limit ${limit.toLocaleString('en-US')} is more than the ${count.toLocaleString('en-US')} stimuli in ${what}; lower the limit or record ${larger}.`,
  );
}
