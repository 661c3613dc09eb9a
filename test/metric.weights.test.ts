// Category weights from behaviour, checked against entropies computed by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { categoryWeightsFromOrders, DEFAULT_WEIGHT_OPTIONS } from '../src/metric/categoryWeights.js';
import { isUserInputError } from '../src/errors.js';
import { WEIGHTS_DATASET, WEIGHTS_ORDERS } from './support/fixtures.js';

test('weights: 1 - mean normalised entropy, "None" for orders lacking the category', () => {
  const result = categoryWeightsFromOrders(WEIGHTS_DATASET, WEIGHTS_ORDERS, { ...DEFAULT_WEIGHT_OPTIONS, dropCategories: ['Size'] });
  // Color: u2 sees Black 7/11, Blue 4/11, normalised by ln(2 + 1); Category: Dress 8/11, None 3/11, by ln(1 + 1).
  assert.ok(Math.abs(result.categoryWeights.Color - 0.7016773885280044) < 1e-12);
  assert.ok(Math.abs(result.categoryWeights.Category - 0.5773245316887818) < 1e-12);
  assert.equal(result.categoryWeights.Size, undefined);
  assert.equal(result.usersUsed, 2);
  assert.equal(result.ordersUsed, 22);
});

test('weights: unknown items and too few recurring users are clear errors', () => {
  const unknown = [...WEIGHTS_ORDERS, { user: 'u1', item: 'zzz' }];
  assert.throws(
    () => categoryWeightsFromOrders(WEIGHTS_DATASET, unknown),
    (e: unknown) => isUserInputError(e) && /unknown item id "zzz"/.test(e.message),
  );
  const skipped = categoryWeightsFromOrders(WEIGHTS_DATASET, unknown, { ...DEFAULT_WEIGHT_OPTIONS, ignoreUnknownItems: true });
  assert.equal(skipped.ordersSkipped, 1);
  assert.throws(
    () => categoryWeightsFromOrders(WEIGHTS_DATASET, WEIGHTS_ORDERS, { ...DEFAULT_WEIGHT_OPTIONS, minOrders: 50 }),
    /no user has more than 50 orders/,
  );
});

test('weights: a tag named "None" is the missing bucket (ln K), or its own with noneTag separate (ln(K + 1))', () => {
  const dataset = {
    ...WEIGHTS_DATASET,
    items: WEIGHTS_DATASET.items.map((item) =>
      item.id === 'i3' ? { ...item, tags: [...item.tags, { category: 'Category', name: 'None' }] } : item,
    ),
  };
  // u2: 4 x i1 (Dress), 4 x i2 (Dress), 3 x i3 (the tag "None"): Category holds Dress 8/11 and None 3/11 either way.
  const merged = categoryWeightsFromOrders(dataset, WEIGHTS_ORDERS, { ...DEFAULT_WEIGHT_OPTIONS, dropCategories: ['Size'] });
  const separate = categoryWeightsFromOrders(dataset, WEIGHTS_ORDERS, {
    ...DEFAULT_WEIGHT_OPTIONS,
    dropCategories: ['Size'],
    noneTag: 'separate',
  });
  const h = -(8 / 11) * Math.log(8 / 11) - (3 / 11) * Math.log(3 / 11);
  assert.ok(Math.abs(merged.categoryWeights.Category - (1 - h / Math.log(2) / 2)) < 1e-12, String(merged.categoryWeights.Category));
  assert.ok(Math.abs(separate.categoryWeights.Category - (1 - h / Math.log(3) / 2)) < 1e-12, String(separate.categoryWeights.Category));
  assert.deepEqual(
    merged.notices.map((n) => n.quirk),
    ['noneTag'],
  );
  assert.deepEqual(separate.notices, []);
  const onlyNone = {
    ...WEIGHTS_DATASET,
    items: [{ id: 'i1', tags: [{ category: 'Trim', name: 'None' }] }, ...WEIGHTS_DATASET.items.slice(1)],
  };
  assert.throws(
    () => categoryWeightsFromOrders(onlyNone, WEIGHTS_ORDERS),
    (e: unknown) => isUserInputError(e) && /"Trim" has only the tag "None".*--none-tag separate/.test(e.message),
  );
  assert.ok(
    Number.isFinite(
      categoryWeightsFromOrders(onlyNone, WEIGHTS_ORDERS, { ...DEFAULT_WEIGHT_OPTIONS, noneTag: 'separate' }).categoryWeights.Trim,
    ),
  );
});
