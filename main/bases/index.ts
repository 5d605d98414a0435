// Every basis method by name: the classical decompositions and the sparse autoencoders. Parameters are checked here
// for every method alike: a misspelt or unknown parameter is an error, never silently ignored.
import { UserError } from '../errors';
import { classicalBases } from './registry';
import { saeBases } from './sae-registry';
import { BASIS_METHODS, type Basis, type BasisFactory, type BasisMethod } from './types';

const factories: Record<BasisMethod, BasisFactory> = { ...classicalBases, ...saeBases };

/**
 * Parameters the lab itself reads (held-out fraction) or records for provenance (where an imported SAE came from,
 * its SAELens architecture, whether its b_dec was folded into b_enc), accepted by every method.
 */
const LAB_PARAMS = new Set(['holdout', 'imported', 'importedArchitecture', 'importedBDecFoldedIntoBEnc']);

/**
 * `nFeatures` is the lab-wide name for the number of directions; each method's own name for it (scikit-learn's
 * n_components, n_clusters) is accepted too.
 */
const FEATURE_COUNT_KEY: Partial<Record<BasisMethod, string>> = {
  pca: 'nComponents',
  ica: 'nComponents',
  nmf: 'nComponents',
  random: 'nComponents',
  kmeans: 'nClusters',
  'sparse-coding': 'nComponents',
  tca: 'rank', // tca (#15)
};

function translate(method: BasisMethod, params: Record<string, unknown>): Record<string, unknown> {
  const key = FEATURE_COUNT_KEY[method];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (LAB_PARAMS.has(k)) continue;
    out[k === 'nFeatures' && key ? key : k] = v;
  }
  return out;
}

export function isBasisMethod(name: string): name is BasisMethod {
  return (BASIS_METHODS as readonly string[]).includes(name);
}

function asUserError(method: string, err: unknown): unknown {
  if (err instanceof UserError) return err;
  return new UserError('basis.params', `${method}: ${err instanceof Error ? err.message : String(err)}`);
}

export function basisFactory(method: string): BasisFactory {
  if (!isBasisMethod(method)) {
    throw new UserError('basis.method', `Cajal has no basis method called ${method}; choose one of ${BASIS_METHODS.join(', ')}.`);
  }
  const inner = factories[method];
  return {
    spec: inner.spec,
    create(params, seed, dim): Basis {
      const own = translate(method, params);
      let basis: Basis;
      try {
        basis = inner.create(own, seed, dim);
      } catch (err) {
        throw asUserError(method, err);
      }
      const known = new Set(Object.keys(basis.params));
      const unknown = Object.keys(own).filter((k) => !known.has(k));
      if (unknown.length) {
        throw new UserError(
          'basis.params',
          `${method} has no parameter ${unknown.join(', ')}; it takes ${[...Object.keys(basis.params)].sort().join(', ')}.`,
        );
      }
      return basis;
    },
    load(params, seed, state): Basis {
      try {
        return inner.load(translate(method, params), seed, state);
      } catch (err) {
        throw asUserError(method, err);
      }
    },
  };
}

/**
 * h12sweep (#12): the methods a sparsity sweep can vary, with the parameter each one sweeps — every gradient-trained
 * method whose spec names a swept parameter, in the registry's order, so a newly registered SAE joins by itself.
 */
export function sweptMethods(): { method: BasisMethod; key: string }[] {
  return BASIS_METHODS.filter((m) => factories[m].spec.tags.trained && factories[m].spec.tags.sweep !== null).map((m) => ({ method: m, key: factories[m].spec.tags.sweep! }));
}
