/**
 * A minimal ONNX model writer (protocol buffers by hand), enough to build the
 * small models that test and benchmark the ONNX loading path: float tensors,
 * initialisers, nodes with int, ints and float attributes, opset 13.
 *
 * Field numbers follow onnx.proto (ONNX 1.12):
 * - ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8;
 * - GraphProto: node 1, name 2, initializer 5, input 11, output 12;
 * - NodeProto: input 1, output 2, name 3, op_type 4, attribute 5;
 * - TensorProto: dims 1, data_type 2, name 8, raw_data 9.
 */

/** One node attribute. */
export type OnnxAttribute =
  | { name: string; int: number }
  | { name: string; ints: number[] }
  | { name: string; float: number };

/** One graph node. */
export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: OnnxAttribute[];
}

/** A float32 constant of the graph. */
export interface OnnxInitializer {
  name: string;
  dims: number[];
  values: Float32Array;
}

/** A graph input or output; a string dimension is symbolic (e.g. "batch"). */
export interface OnnxValue {
  name: string;
  dims: (number | string)[];
}

/** A whole model. */
export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  /** Default opset 13. */
  opset?: number;
}

const FLOAT = 1;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

class Writer {
  #bytes: number[] = [];

  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.#bytes.push(byte);
    } while (v !== 0n);
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  int(field: number, value: number): this {
    return this.tag(field, 0).varint(value);
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.#bytes.push(b);
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const buf = new Uint8Array(4);
    new DataView(buf.buffer).setFloat32(0, value, true);
    for (const b of buf) this.#bytes.push(b);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

function valueInfo(w: Writer, value: OnnxValue): void {
  w.string(1, value.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, FLOAT);
      tensor.message(2, (shape) => {
        for (const dim of value.dims) {
          shape.message(1, (d) => (typeof dim === "number" ? d.int(1, dim) : d.string(2, dim)));
        }
      });
    }));
}

/** Encodes a model as ONNX protobuf bytes. */
export function encodeOnnxModel(graph: OnnxGraph): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // IR version 8 (ONNX 1.10+).
  w.string(2, "wetok-lab onnx_builder");
  w.message(7, (g) => {
    for (const [i, node] of graph.nodes.entries()) {
      g.message(1, (n) => {
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        n.string(3, `${node.op}_${i}`);
        n.string(4, node.op);
        for (const attr of node.attributes ?? []) {
          n.message(5, (a) => {
            a.string(1, attr.name);
            if ("int" in attr) a.int(3, attr.int).int(20, ATTR_INT);
            else if ("ints" in attr) {
              for (const v of attr.ints) a.int(8, v);
              a.int(20, ATTR_INTS);
            } else a.float(2, attr.float).int(20, ATTR_FLOAT);
          });
        }
      });
    }
    g.string(2, graph.name);
    for (const init of graph.initializers) {
      g.message(5, (t) => {
        for (const dim of init.dims) t.int(1, dim);
        t.int(2, FLOAT);
        t.string(8, init.name);
        const raw = new Uint8Array(init.values.length * 4);
        const view = new DataView(raw.buffer);
        init.values.forEach((v, i) => view.setFloat32(4 * i, v, true));
        t.bytes(9, raw);
      });
    }
    for (const input of graph.inputs) g.message(11, (v) => valueInfo(v, input));
    for (const output of graph.outputs) g.message(12, (v) => valueInfo(v, output));
  });
  w.message(8, (o) => o.string(1, "").int(2, graph.opset ?? 13));
  return w.finish();
}

/**
 * Builds a small "feature extractor": global average pooling of an NCHW image
 * followed by a linear map, `features = mean_hw(x) @ weight + bias`, with input
 * `images` `[batch, 3, H, W]` and output `features` `[batch, dim]`.
 */
export function poolingLinearModel(weight: Float32Array, bias: Float32Array): Uint8Array {
  const dim = bias.length;
  if (weight.length !== 3 * dim) {
    throw new RangeError(`weight must hold 3*${dim} values, got ${weight.length}`);
  }
  return encodeOnnxModel({
    name: "pooling_linear",
    nodes: [
      { op: "GlobalAveragePool", inputs: ["images"], outputs: ["pooled"] },
      {
        op: "Flatten",
        inputs: ["pooled"],
        outputs: ["flat"],
        attributes: [{ name: "axis", int: 1 }],
      },
      { op: "MatMul", inputs: ["flat", "weight"], outputs: ["projected"] },
      { op: "Add", inputs: ["projected", "bias"], outputs: ["features"] },
    ],
    initializers: [
      { name: "weight", dims: [3, dim], values: weight },
      { name: "bias", dims: [dim], values: bias },
    ],
    inputs: [{ name: "images", dims: ["batch", 3, "height", "width"] }],
    outputs: [{ name: "features", dims: ["batch", dim] }],
  });
}

/**
 * Builds a small two-input "distance" model with LPIPS's interface: inputs
 * `in0` and `in1` `[batch, 3, H, W]`, output `distance` `[batch, 1, 1, 1]` =
 * mean of squared differences.
 */
export function meanSquaredDistanceModel(): Uint8Array {
  return encodeOnnxModel({
    name: "mean_squared_distance",
    nodes: [
      { op: "Sub", inputs: ["in0", "in1"], outputs: ["diff"] },
      { op: "Mul", inputs: ["diff", "diff"], outputs: ["squared"] },
      {
        op: "ReduceMean",
        inputs: ["squared"],
        outputs: ["distance"],
        attributes: [{ name: "axes", ints: [1, 2, 3] }, { name: "keepdims", int: 1 }],
      },
    ],
    initializers: [],
    inputs: [
      { name: "in0", dims: ["batch", 3, "height", "width"] },
      { name: "in1", dims: ["batch", 3, "height", "width"] },
    ],
    outputs: [{ name: "distance", dims: ["batch", 1, 1, 1] }],
  });
}
