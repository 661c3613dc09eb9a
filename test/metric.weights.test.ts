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
  assert.throws(() => categoryWeightsFromOrders(WEIGHTS_DATASET, unknown), (e: unknown) => isUserInputError(e) && /unknown item id "zzz"/.test(e.message));
  const skipped = categoryWeightsFromOrders(WEIGHTS_DATASET, unknown, { ...DEFAULT_WEIGHT_OPTIONS, ignoreUnknownItems: true });
  assert.equal(skipped.ordersSkipped, 1);
  assert.throws(() => categoryWeightsFromOrders(WEIGHTS_DATASET, WEIGHTS_ORDERS, { ...DEFAULT_WEIGHT_OPTIONS, minOrders: 50 }), /no user has more than 50 orders/);
});
