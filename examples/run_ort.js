#!/usr/bin/env node
// Test-time oracle: run an ONNX model with onnxruntime-node and write the
// outputs in the ONNX backend-test layout.
//
// Usage:
//   node run_ort.js MODEL.onnx TEST_DATA_SET_DIR
//       reads TEST_DATA_SET_DIR/input_<i>.pb (serialized onnx TensorProto),
//       runs MODEL.onnx, writes TEST_DATA_SET_DIR/output_<i>.pb
//   node run_ort.js --accuracy MODEL.onnx X.npy Y.npy
//       runs every row of X (float32, shape [N, ...]) through the batch-1
//       model one at a time and prints {"correct":c,"total":n,"accuracy":a}
//       where the prediction is argmax of output 0 and Y is int64 [N].
//
// onnxruntime-node is located via $ORT_NODE_DIR (default
// /tmp/ortnpm/node_modules/onnxruntime-node), falling back to a plain
// require('onnxruntime-node') (which honours NODE_PATH).
//
// The TensorProto reader/writer below is a minimal hand-written protobuf
// codec (no dependencies). Outputs are written with fields dims(1),
// data_type(2), name(8), raw_data(9) in that order, which is byte-identical
// to onnx.numpy_helper.from_array(arr, name).SerializeToString().
'use strict';
const fs = require('fs');
const path = require('path');

function loadOrt() {
  const dir = process.env.ORT_NODE_DIR || '/tmp/ortnpm/node_modules/onnxruntime-node';
  try {
    return require(path.resolve(dir));
  } catch (e) {
    try {
      return require('onnxruntime-node');
    } catch (e2) {
      throw new Error(`cannot load onnxruntime-node from ${dir} (${e.message}) nor via NODE_PATH (${e2.message})`);
    }
  }
}

// ---- TensorProto data types ------------------------------------------------
const DT = {
  1: { ort: 'float32', arr: Float32Array },
  2: { ort: 'uint8', arr: Uint8Array },
  3: { ort: 'int8', arr: Int8Array },
  4: { ort: 'uint16', arr: Uint16Array },
  5: { ort: 'int16', arr: Int16Array },
  6: { ort: 'int32', arr: Int32Array },
  7: { ort: 'int64', arr: BigInt64Array },
  9: { ort: 'bool', arr: Uint8Array },
  11: { ort: 'float64', arr: Float64Array },
  12: { ort: 'uint32', arr: Uint32Array },
  13: { ort: 'uint64', arr: BigUint64Array },
};
const ORT2DT = {};
for (const [k, v] of Object.entries(DT)) ORT2DT[v.ort] = Number(k);

// ---- minimal protobuf decoding ---------------------------------------------
function readVarint(buf, pos) {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7n;
  }
  return [result, pos];
}

function decodeTensorProto(buf) {
  const t = { dims: [], dataType: 0, name: '', raw: null, floatData: [], int32Data: [], int64Data: [], doubleData: [] };
  let pos = 0;
  while (pos < buf.length) {
    let key;
    [key, pos] = readVarint(buf, pos);
    const field = Number(key >> 3n);
    const wt = Number(key & 7n);
    let v, len;
    if (wt === 0) {
      [v, pos] = readVarint(buf, pos);
      if (field === 1) t.dims.push(BigInt.asIntN(64, v));
      else if (field === 2) t.dataType = Number(v);
      else if (field === 5) t.int32Data.push(Number(BigInt.asIntN(32, v)));
      else if (field === 7) t.int64Data.push(BigInt.asIntN(64, v));
    } else if (wt === 2) {
      [len, pos] = readVarint(buf, pos);
      len = Number(len);
      const sub = buf.subarray(pos, pos + len);
      pos += len;
      if (field === 8) t.name = sub.toString('utf8');
      else if (field === 9) t.raw = Buffer.from(sub);
      else if (field === 1 || field === 5 || field === 7) { // packed varints
        let p = 0;
        while (p < sub.length) {
          [v, p] = readVarint(sub, p);
          if (field === 1) t.dims.push(BigInt.asIntN(64, v));
          else if (field === 5) t.int32Data.push(Number(BigInt.asIntN(32, v)));
          else t.int64Data.push(BigInt.asIntN(64, v));
        }
      } else if (field === 4) { // packed floats
        for (let p = 0; p + 4 <= sub.length; p += 4) t.floatData.push(sub.readFloatLE(p));
      } else if (field === 10) { // packed doubles
        for (let p = 0; p + 8 <= sub.length; p += 8) t.doubleData.push(sub.readDoubleLE(p));
      }
    } else if (wt === 5) {
      if (field === 4) t.floatData.push(buf.readFloatLE(pos));
      pos += 4;
    } else if (wt === 1) {
      if (field === 10) t.doubleData.push(buf.readDoubleLE(pos));
      pos += 8;
    } else {
      throw new Error(`unsupported wire type ${wt} (field ${field})`);
    }
  }
  return t;
}

function tensorProtoToOrt(ort, t) {
  const info = DT[t.dataType];
  if (!info) throw new Error(`unsupported TensorProto data_type ${t.dataType}`);
  const dims = t.dims.map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  let data;
  if (t.raw) {
    const copy = new Uint8Array(t.raw); // aligned copy
    data = new info.arr(copy.buffer, copy.byteOffset, copy.byteLength / info.arr.BYTES_PER_ELEMENT);
  } else if (t.dataType === 1) data = Float32Array.from(t.floatData);
  else if (t.dataType === 11) data = Float64Array.from(t.doubleData);
  else if (t.dataType === 7) data = BigInt64Array.from(t.int64Data);
  else data = info.arr.from(t.int32Data);
  if (data.length !== n) throw new Error(`tensor ${t.name}: ${data.length} elements, dims ${dims}`);
  if (t.dataType === 9) return new ort.Tensor('bool', data, dims);
  return new ort.Tensor(info.ort, data, dims);
}

// ---- minimal protobuf encoding ---------------------------------------------
function varint(v) {
  let x = BigInt.asUintN(64, BigInt(v));
  const out = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    out.push(b);
  } while (x !== 0n);
  return Buffer.from(out);
}

function encodeTensorProto(name, tensor) {
  const dt = ORT2DT[tensor.type];
  if (!dt) throw new Error(`unsupported output type ${tensor.type}`);
  const d = tensor.data;
  const raw = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  const parts = [];
  for (const dim of tensor.dims) parts.push(Buffer.from([0x08]), varint(dim)); // field 1, varint
  parts.push(Buffer.from([0x10]), varint(dt)); // field 2, varint
  const nameBuf = Buffer.from(name, 'utf8');
  parts.push(Buffer.from([0x42]), varint(nameBuf.length), nameBuf); // field 8, bytes
  parts.push(Buffer.from([0x4a]), varint(raw.length), raw); // field 9, bytes
  return Buffer.concat(parts);
}

// ---- .npy reading (for --accuracy) -------------------------------------------
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not an .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: fortran order unsupported`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  const body = new Uint8Array(buf.subarray(hstart + hlen)); // aligned copy
  const types = { '<f4': Float32Array, '<i8': BigInt64Array, '<i4': Int32Array };
  if (!types[descr]) throw new Error(`${file}: dtype ${descr} unsupported`);
  const T = types[descr];
  return { shape, data: new T(body.buffer, 0, body.byteLength / T.BYTES_PER_ELEMENT) };
}

async function createSession(ort, modelPath) {
  // Plain, literal execution: no graph rewrites, single thread.
  return ort.InferenceSession.create(modelPath, {
    graphOptimizationLevel: 'disabled',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
}

async function runDataSet(modelPath, dir) {
  const ort = loadOrt();
  const session = await createSession(ort, modelPath);
  const inputFiles = fs.readdirSync(dir).filter(f => /^input_\d+\.pb$/.test(f))
    .sort((a, b) => Number(a.match(/\d+/)[0]) - Number(b.match(/\d+/)[0]));
  if (inputFiles.length !== session.inputNames.length) {
    throw new Error(`${dir}: ${inputFiles.length} input files but model has inputs ${session.inputNames}`);
  }
  const feeds = {};
  inputFiles.forEach((f, i) => {
    const t = decodeTensorProto(fs.readFileSync(path.join(dir, f)));
    const name = t.name && session.inputNames.includes(t.name) ? t.name : session.inputNames[i];
    feeds[name] = tensorProtoToOrt(ort, t);
  });
  const results = await session.run(feeds);
  session.outputNames.forEach((name, i) => {
    const out = path.join(dir, `output_${i}.pb`);
    fs.writeFileSync(out, encodeTensorProto(name, results[name]));
    console.log(`${out}: ${name} ${results[name].type} [${results[name].dims}]`);
  });
  await session.release();
}

async function accuracy(modelPath, xFile, yFile) {
  const ort = loadOrt();
  const session = await createSession(ort, modelPath);
  const X = readNpy(xFile);
  const Y = readNpy(yFile);
  const n = X.shape[0];
  const rowShape = [1, ...X.shape.slice(1)];
  const rowLen = rowShape.reduce((a, b) => a * b, 1);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const x = new ort.Tensor('float32', X.data.slice(i * rowLen, (i + 1) * rowLen), rowShape);
    const res = await session.run({ [session.inputNames[0]]: x });
    const logits = res[session.outputNames[0]].data;
    let best = 0;
    for (let j = 1; j < logits.length; j++) if (logits[j] > logits[best]) best = j;
    if (BigInt(best) === BigInt(Y.data[i])) correct++;
  }
  await session.release();
  console.log(JSON.stringify({ correct, total: n, accuracy: correct / n }));
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--accuracy' && args.length === 4) return accuracy(args[1], args[2], args[3]);
  if (args.length === 2) return runDataSet(args[0], args[1]);
  console.error('usage: node run_ort.js MODEL.onnx TEST_DATA_SET_DIR\n' +
                '       node run_ort.js --accuracy MODEL.onnx X.npy Y.npy');
  process.exit(2);
}

main().catch(e => { console.error(e.stack || String(e)); process.exit(1); });
