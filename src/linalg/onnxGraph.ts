// Minimal ONNX ModelProto writer (protobuf wire format) for the small compute graphs the platform builds itself.

/** ONNX TensorProto.DataType codes used here. */
export const ONNX_FLOAT = 1;
export const ONNX_FLOAT16 = 10;
export const ONNX_INT64 = 7;
export const ONNX_DOUBLE = 11;

export type Dim = number | string;

export interface ValueInfo {
  name: string;
  elemType: number;
  shape: Dim[];
}

export interface NodeAttribute {
  name: string;
  int?: number;
  float?: number;
  ints?: number[];
}

export interface GraphNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes?: NodeAttribute[];
}

export interface Initializer {
  name: string;
  dims: number[];
  /** float32, float64 or int64 (shapes, repeats) values: the tensor's element type follows the array. */
  floats: Float32Array | Float64Array | BigInt64Array;
  /**
   * A file beside the model holding the values (ONNX external data, as exporters write weights over 2 GB); the
   * caller writes the values there. Unset: the values are in the model.
   */
  externalLocation?: string;
}

export interface GraphSpec {
  name: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  nodes: GraphNode[];
  initializers?: Initializer[];
  opset?: number;
}

/** Protobuf field encoders over a list of byte chunks, so large tensors are appended without copying. */
class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private pending: number[] = [];

  private flush(): void {
    if (this.pending.length > 0) this.parts.push(Uint8Array.from(this.pending));
    this.pending = [];
  }

  varint(value: number): this {
    let v = value;
    while (v > 0x7f) {
      this.pending.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.pending.push(v);
    return this;
  }

  private key(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  int(field: number, value: number): this {
    return this.key(field, 0).varint(value);
  }

  float32(field: number, value: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.key(field, 5);
    for (const x of b) this.pending.push(x);
    return this;
  }

  bytesField(field: number, data: Uint8Array): this {
    this.key(field, 2).varint(data.length);
    this.flush();
    this.parts.push(data);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytesField(field, inner.finish());
  }

  finish(): Uint8Array {
    this.flush();
    return this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
  }
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      tensor.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

function writeAttribute(w: ProtoWriter, a: NodeAttribute): void {
  w.string(1, a.name);
  if (a.int !== undefined) w.int(3, a.int).int(20, 2);
  else if (a.float !== undefined) w.float32(2, a.float).int(20, 1);
  else if (a.ints !== undefined) {
    for (const i of a.ints) w.int(8, i);
    w.int(20, 7);
  }
}

function writeInitializer(w: ProtoWriter, init: Initializer): void {
  for (const d of init.dims) w.int(1, d);
  w.int(2, init.floats instanceof Float64Array ? ONNX_DOUBLE : init.floats instanceof BigInt64Array ? ONNX_INT64 : ONNX_FLOAT);
  w.string(8, init.name);
  if (init.externalLocation !== undefined) {
    // external_data: [{ key: "location", value }], data_location: EXTERNAL
    w.message(13, (entry) => entry.string(1, 'location').string(2, init.externalLocation!)).int(14, 1);
    return;
  }
  const raw = new Uint8Array(init.floats.buffer, init.floats.byteOffset, init.floats.byteLength);
  w.bytesField(9, raw);
}

/** Serialises a graph into ONNX ModelProto bytes that onnxruntime can load directly. */
export function buildOnnxModel(spec: GraphSpec): Uint8Array {
  const model = new ProtoWriter();
  model.int(1, 8); // ir_version
  model.string(2, 'corrembed');
  model.message(7, (graph) => {
    for (const node of spec.nodes) {
      graph.message(1, (n) => {
        for (const i of node.inputs) n.string(1, i);
        for (const o of node.outputs) n.string(2, o);
        n.string(4, node.opType);
        for (const a of node.attributes ?? []) n.message(5, (attr) => writeAttribute(attr, a));
      });
    }
    graph.string(2, spec.name);
    for (const init of spec.initializers ?? []) graph.message(5, (t) => writeInitializer(t, init));
    for (const i of spec.inputs) graph.message(11, (v) => writeValueInfo(v, i));
    for (const o of spec.outputs) graph.message(12, (v) => writeValueInfo(v, o));
  });
  model.message(8, (opset) => opset.string(1, '').int(2, spec.opset ?? 17));
  return model.finish();
}
