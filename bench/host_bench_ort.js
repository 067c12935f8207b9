#!/usr/bin/env node
// onnxruntime side of bench/host_bench.sh (not a test): node host_bench_ort.js MODEL SHAPE...
// (one "d0,d1,..." per input, as the kiln harness prints them). One thread, sequential execution,
// all graph optimizations; inputs are the kiln harness's pseudo-random sequence; prints the best
// microseconds per inference of five batches of >= 0.2 s.
'use strict';
const path = require('path');
const ort = require(path.resolve(process.env.ORT_NODE_DIR || '/tmp/ortnpm/node_modules/onnxruntime-node'));

const TYPED = { float: Float32Array, int8: Int8Array, uint8: Uint8Array, int32: Int32Array };

async function main() {
  const [model, ...shapes] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = {};
  session.inputNames.forEach((name, i) => {
    const dims = shapes[i].split(',').map(Number);
    const meta = session.inputMetadata ? session.inputMetadata[i] : null;
    const type = meta && meta.type ? meta.type : 'float32';
    const n = dims.reduce((a, b) => a * b, 1);
    const isFloat = type === 'float32' || type === 'float';
    const Arr = isFloat ? Float32Array : TYPED[type] || Float32Array;
    const data = new Arr(n);
    for (let j = 0; j < n; ++j) {
      const v = ((j * 7919) % 2001) / 1000 - 1;
      data[j] = isFloat ? v : Math.trunc(v * 100);
    }
    feeds[name] = new ort.Tensor(isFloat ? 'float32' : type, data, dims);
  });
  for (let i = 0; i < 10; ++i) await session.run(feeds);
  let best = Infinity;
  for (let b = 0; b < 5; ++b) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    let s = 0;
    do {
      for (let i = 0; i < 10; ++i) await session.run(feeds);
      n += 10;
      s = Number(process.hrtime.bigint() - t0) / 1e9;
    } while (s < 0.2);
    best = Math.min(best, s / n);
  }
  console.log((best * 1e6).toFixed(1));
}
main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
