// The order a report shows bases in, the short names that tell them apart on an axis, and the box plots' quantile:
// the same module the renderer uses (main/util/method-order.ts), so the app and its reports never disagree.
export { basesInMethodOrder, quantileSorted, shortName } from '../util/method-order';
