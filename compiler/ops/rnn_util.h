// Shared rules of the recurrent ops (RNN, GRU, LSTM): input/attribute validation, the output
// shapes, activation names, and the pointers handed to runtime/kiln_rnn.h. Each op's file keeps
// its gate equations (reference and emitter).
#pragma once

#include <string>
#include <vector>

#include "compiler/ops/op.h"

namespace kiln {

// Input slots common to the three ops (LSTM adds initial_c = 6 and P = 7).
enum RnnInput : size_t { kRnnX = 0, kRnnW = 1, kRnnR = 2, kRnnB = 3, kRnnSeqLens = 4, kRnnInitialH = 5 };

// What distinguishes the ops for validation.
struct RnnSchema {
  int gates;                          // weight blocks per direction: RNN 1, GRU 3, LSTM 4
  std::vector<std::string> default_acts;  // per direction
};

// A node's resolved geometry and attributes.
struct RnnGeom {
  int64_t S = 0, B = 0, I = 0, H = 0, ND = 1;  // seq length, batch, input, hidden, directions
  bool reverse = false;                        // single direction running backwards
  std::vector<std::string> acts;               // gates' activations, ND * default_acts.size()
  float clip = 0.0f;                           // +inf when the attribute is absent
  bool reversed(int64_t d) const { return reverse || d == 1; }
};

// Validates inputs and attributes common to RNN/GRU/LSTM.
Status rnn_resolve(OpCtx& ctx, const RnnSchema& s, RnnGeom* g);
// Sets Y [S, ND, B, H] and the state outputs (outputs 1.. are [ND, B, H]).
Status rnn_infer(OpCtx& ctx, const RnnSchema& s);

// Multiply-accumulates per inference: every gate's input and recurrent products.
int64_t rnn_macs(OpCtx& ctx, const RnnSchema& s);

// Reference activation (double) and the runtime functor ("kiln::RnnTanh{}").
double rnn_act(const std::string& name, double v);
std::string rnn_act_functor(const std::string& name);

// Input/output `i` of direction d as a C pointer expression (`block` floats per direction), or a
// typed null pointer when the node omits it.
std::string rnn_in_ptr(OpCtx& ctx, size_t i, int64_t d, int64_t block);
std::string rnn_out_ptr(OpCtx& ctx, size_t i, int64_t d, int64_t block);
// Reference access: the float data of an optional input, or null.
const float* rnn_in_data(OpCtx& ctx, size_t i);

}  // namespace kiln
