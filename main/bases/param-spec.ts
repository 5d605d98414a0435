// What a basis method's parameters are — name, type, default, range, meaning — declared once, beside the factory that
// reads them. The factory takes its defaults from here, `bases.definitions` serves these specs, the renderer builds
// its fit form from them and the CLI sends only what the user typed, so UI, CLI and API share one set of defaults.

export type ParamValue = number | string | boolean;

export interface BasisParamSpec {
  /** The name `bases.fit` takes in its flat `params` record (the lab-wide `nFeatures` for the number of directions). */
  key: string;
  kind: 'int' | 'number' | 'bool' | 'enum';
  /** The engine's default; null when the data decides it (`meaning` says how) or when `perDim` gives it. */
  default: ParamValue | null;
  /** A count that scales with the harvest's width d: the default is max(1, round(perDim · d)). */
  perDim?: number;
  /** Inclusive bounds of a number (min only where there is no upper bound). */
  min?: number;
  max?: number;
  options?: readonly string[];
  /** One line: what it does. */
  meaning: string;
}

/** How the app treats a method: gradient-trained ones have curves, checkpoints and pause; a sweep varies one key. */
export interface BasisTags {
  trained: boolean;
  /** The parameter a sweep varies, or null when the method is not swept. */
  sweep: string | null;
  /** Held-out rows are whole stimuli (all their positions), so the training rows stay a tensor (TCA). */
  wholeItems?: boolean;
}

/** A method's parameters and tags, as each factory exports them. */
export interface BasisSpec {
  params: readonly BasisParamSpec[];
  tags: BasisTags;
}

/** The default of `key` for a harvest of `dim` units; undefined where the data decides it at fit time. */
export function defaultFor(spec: BasisSpec, key: string, dim: number): ParamValue | undefined {
  const p = spec.params.find((x) => x.key === key);
  if (!p) throw new Error(`no parameter ${key} in this basis spec`);
  if (p.perDim !== undefined) return Math.max(1, Math.round(p.perDim * dim));
  return p.default ?? undefined;
}

/** The spec's fixed default of `key` (a number), for the factory's own parsing. */
export function numDefault(spec: BasisSpec, key: string): number {
  const p = spec.params.find((x) => x.key === key);
  if (typeof p?.default !== 'number') throw new Error(`parameter ${key} has no numeric default`);
  return p.default;
}

/** The spec's fixed default of `key` (an option or a flag), for the factory's own parsing. */
export function optDefault<T extends string | boolean>(spec: BasisSpec, key: string): T {
  const p = spec.params.find((x) => x.key === key);
  if (typeof p?.default !== 'string' && typeof p?.default !== 'boolean') throw new Error(`parameter ${key} has no option default`);
  return p.default as T;
}
