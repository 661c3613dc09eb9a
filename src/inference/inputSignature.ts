// Reads a model's image input from the session metadata: its name, NCHW or NHWC layout, and fixed batch size if any.
import type { InferenceSession } from 'onnxruntime-node';
import { UserInputError } from '../errors.js';
import type { Layout } from '../imaging/preprocess.js';

export interface InputSignature {
  name: string;
  layout: Layout;
  /** The batch size the graph was exported with, or null when the batch dimension is dynamic. */
  fixedBatch: number | null;
}

function describe(shape: ReadonlyArray<number | string>): string {
  return `[${shape.map((d) => (typeof d === 'number' ? String(d) : d || '?')).join(', ')}]`;
}

/** Checks the single float32 image input against the recipe's crop and tells its layout. */
export function inputSignature(model: string, session: InferenceSession, crop: number): InputSignature {
  const inputs = session.inputMetadata;
  if (inputs.length !== 1) {
    throw new UserInputError(`model ${model}: has ${inputs.length} inputs (${session.inputNames.join(', ')}); expected one image input`);
  }
  const input = inputs[0];
  if (!input.isTensor) throw new UserInputError(`model ${model}: input '${input.name}' is not a tensor`);
  const shape = input.shape;
  if (shape.length !== 4) {
    throw new UserInputError(`model ${model}: input '${input.name}' has rank ${shape.length}, expected 4 (images as N x 3 x H x W)`);
  }
  if (input.type !== 'float32') throw new UserInputError(`model ${model}: input '${input.name}' is ${input.type}, expected float32`);
  let layout: Layout;
  if (shape[1] === 3) layout = 'NCHW';
  else if (shape[3] === 3) layout = 'NHWC';
  else {
    throw new UserInputError(
      `model ${model}: input '${input.name}' has shape ${describe(shape)}, expected 3 colour channels (N x 3 x H x W, or N x H x W x 3)`,
    );
  }
  const [h, w] = layout === 'NCHW' ? [shape[2], shape[3]] : [shape[1], shape[2]];
  if ((typeof h === 'number' && h !== crop) || (typeof w === 'number' && w !== crop)) {
    throw new UserInputError(`model ${model}: input '${input.name}' takes ${h} x ${w} images but the recipe crops ${crop} x ${crop}`);
  }
  const batch = shape[0];
  return { name: input.name, layout, fixedBatch: typeof batch === 'number' && batch > 0 ? batch : null };
}
