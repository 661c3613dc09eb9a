// The native addon's arguments for one image: torchvision's Resize + CenterCrop geometry, PIL's taps, and where the floats go.
import type { TensorPlanArguments } from './nativeImaging.js';
import { normalisationTable, tensorSteps } from './normalise.js';
import { planResample } from './pilResample.js';
import type { Layout, PreprocessRecipe } from './recipe.js';
import { cropGeometry } from './resizeGeometry.js';

/** What resizing a width x height image by `recipe` (bilinear or bicubic) into `out` at `offset` needs. */
export function tensorPlan(
  width: number,
  height: number,
  recipe: PreprocessRecipe,
  layout: Layout,
  out: Float32Array,
  offset: number,
): TensorPlanArguments {
  const g = cropGeometry(width, height, recipe.resize, recipe.crop);
  const plan = planResample(width, height, g.width, g.height, recipe.interpolation as 'bilinear' | 'bicubic', g.left, g.top, recipe.crop);
  const { channelStep, pixelStep } = tensorSteps(layout, recipe.crop);
  return [
    plan.left,
    plan.horizontal?.packed ?? null,
    plan.rowFirst,
    plan.rows,
    plan.vertical?.packed ?? null,
    plan.crop,
    normalisationTable(recipe),
    channelStep,
    pixelStep,
    out,
    offset,
  ];
}
