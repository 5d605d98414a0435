// The Shapley panel's arithmetic, re-exported from the engine so the report derives the same numbers.
export * from '../../../../main/lesions/shapley-view';
