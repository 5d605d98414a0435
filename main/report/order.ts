// The order a report shows bases in and the short names that tell them apart on an axis: the same module the
// renderer uses (main/util/method-order.ts), so the app and its reports never disagree.
export { basesInMethodOrder, shortName } from '../util/method-order';
