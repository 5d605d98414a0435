// The row metadata BLOB of an activation chunk (stored in activation_chunks.row_meta and in its copy,
// activation_row_meta), in one of two encodings.
//
// Per row: int32 [stimulus, label, posY, posX] for each row, −1 for an absent value. Every chunk written before schema
// version 14 (migration h14meta), and any chunk that is not regular.
//
// Regular (h14meta, #14): a chunk of whole stimuli, each with the same rows (`perItem`, at the same positions in the
// same order), the stimuli consecutive and each stimulus's rows sharing its label — what every harvest of a model
// over a stimulus set writes. Stored as int32 [REGULAR_TAG, items, perItem, firstStimulus], then one label per
// stimulus, then (posY, posX) per row of a stimulus: 16 + 4·items + 8·perItem bytes instead of 16 per row. A conv
// map harvested at every position repeats its stimulus and label on every position and its positions on every
// stimulus, so the per-row form was a quarter of the bytes such a harvest wrote (CIFAR's 24-channel map at 144
// positions: 96 bytes of activations and 32 of metadata, in the chunk and in its copy, per row).
//
// The two are told apart by the first int32: a stimulus index (≥ 0) in the per-row form, REGULAR_TAG (< 0) in the
// regular one, whose length must then agree with its counts. encodeRowMeta refuses per-row metadata whose first
// stimulus is negative, so no stored BLOB is read the wrong way.
/** One row's stimulus, label and position (null where absent). */
export interface RowMeta {
  stimulusIndex: number;
  label: number | null;
  posY: number | null;
  posX: number | null;
}

/** The first int32 of a regular BLOB ("CMR1" as little-endian bytes is positive; its negation is the tag). */
const REGULAR_TAG = -0x31524d43;
const HEADER = 4;

/** The counts of a regular BLOB, and a view to read its labels (after the header) and positions (after the labels). */
interface Regular {
  items: number;
  perItem: number;
  firstStimulus: number;
  view: DataView;
}

/**
 * The regular form's header, or null for a per-row BLOB. Read in place (a BLOB from SQLite need not be 4-byte aligned,
 * and readRowMeta calls this once per row it reads): the BLOB is never copied.
 */
function regularOf(blob: Uint8Array, rowCount: number): Regular | null {
  if (blob.byteLength < HEADER * 4) return null;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (view.getInt32(0, true) !== REGULAR_TAG) return null;
  const items = view.getInt32(4, true);
  const perItem = view.getInt32(8, true);
  if (items < 1 || perItem < 1 || items * perItem !== rowCount || blob.byteLength !== 4 * (HEADER + items + 2 * perItem)) {
    throw new Error(`a regular row metadata BLOB of ${blob.byteLength} bytes does not describe ${rowCount} rows`);
  }
  return { items, perItem, firstStimulus: view.getInt32(12, true), view };
}

/**
 * The BLOB to store for `meta` (int32 [stimulus, label, posY, posX] per row): the regular form where the rows are
 * regular and it is smaller, else the per-row values themselves.
 */
export function encodeRowMeta(meta: Int32Array): Buffer {
  const rows = meta.length >> 2;
  if (rows > 0 && meta[0]! < 0) throw new Error(`row metadata starts with stimulus ${meta[0]}; stimulus indices are ≥ 0`);
  const perRow = () => Buffer.from(meta.buffer, meta.byteOffset, meta.byteLength);
  if (rows < 2) return perRow();
  const first = meta[0]!;
  let perItem = 1;
  while (perItem < rows && meta[perItem * 4] === first) perItem++;
  if (rows % perItem !== 0) return perRow();
  const items = rows / perItem;
  if (HEADER + items + 2 * perItem >= rows * 4) return perRow();
  for (let i = 0; i < items; i++) {
    const at = i * perItem * 4;
    const label = meta[at + 1]!;
    for (let j = 0, k = at; j < perItem; j++, k += 4) {
      if (meta[k] !== first + i || meta[k + 1] !== label || meta[k + 2] !== meta[j * 4 + 2] || meta[k + 3] !== meta[j * 4 + 3]) return perRow();
    }
  }
  const out = new Int32Array(HEADER + items + 2 * perItem);
  out[0] = REGULAR_TAG;
  out[1] = items;
  out[2] = perItem;
  out[3] = first;
  for (let i = 0; i < items; i++) out[HEADER + i] = meta[i * perItem * 4 + 1]!;
  for (let j = 0; j < perItem; j++) {
    out[HEADER + items + 2 * j] = meta[j * 4 + 2]!;
    out[HEADER + items + 2 * j + 1] = meta[j * 4 + 3]!;
  }
  return Buffer.from(out.buffer);
}

/** Every row's int32 [stimulus, label, posY, posX] from a stored BLOB of `rowCount` rows, in either encoding. */
export function decodeRowMeta(blob: Uint8Array, rowCount: number): Int32Array {
  const regular = regularOf(blob, rowCount);
  if (!regular) {
    if (blob.byteLength !== rowCount * 16) throw new Error(`row metadata of ${blob.byteLength} bytes does not describe ${rowCount} rows`);
    const out = new Int32Array(rowCount * 4);
    new Uint8Array(out.buffer).set(blob);
    return out;
  }
  const { items, perItem, firstStimulus, view } = regular;
  const positions = new Int32Array(2 * perItem);
  for (let k = 0; k < positions.length; k++) positions[k] = view.getInt32(4 * (HEADER + items + k), true);
  const out = new Int32Array(rowCount * 4);
  for (let i = 0, at = 0; i < items; i++) {
    const label = view.getInt32(4 * (HEADER + i), true);
    for (let j = 0; j < perItem; j++, at += 4) {
      out[at] = firstStimulus + i;
      out[at + 1] = label;
      out[at + 2] = positions[2 * j]!;
      out[at + 3] = positions[2 * j + 1]!;
    }
  }
  return out;
}

/** Row `index` of a stored BLOB of `rowCount` rows, in either encoding; −1 values read as null. */
export function rowMetaAt(blob: Uint8Array, rowCount: number, index: number): RowMeta {
  const opt = (v: number) => (v < 0 ? null : v);
  const regular = regularOf(blob, rowCount);
  if (!regular) {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const field = (k: number) => view.getInt32(index * 16 + k * 4, true);
    return { stimulusIndex: field(0), label: opt(field(1)), posY: opt(field(2)), posX: opt(field(3)) };
  }
  const { items, perItem, firstStimulus, view } = regular;
  const item = Math.floor(index / perItem);
  const j = index - item * perItem;
  const word = (k: number) => view.getInt32(4 * k, true);
  return {
    stimulusIndex: firstStimulus + item,
    label: opt(word(HEADER + item)),
    posY: opt(word(HEADER + items + 2 * j)),
    posX: opt(word(HEADER + items + 2 * j + 1)),
  };
}
