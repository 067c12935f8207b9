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
  bool batch_first = false;                    // layout=1: X [B, S, I], Y [B, S, ND, H], states [B, ND, H]
  std::vector<std::string> acts;               // gates' activations, ND * default_acts.size()
  float clip = 0.0f;                           // +inf when the attribute is absent
  bool reversed(int64_t d) const { return reverse || d == 1; }
  // Element offsets, by layout: X's step t of batch row b, Y's of direction d, and the states'
  // (initial_h/c, Y_h, Y_c) row b of direction d.
  int64_t x_at(int64_t t, int64_t b) const { return (batch_first ? b * S + t : t * B + b) * I; }
  int64_t y_at(int64_t t, int64_t d, int64_t b) const {
    return (batch_first ? (b * S + t) * ND + d : (t * ND + d) * B + b) * H;
  }
  int64_t state_at(int64_t d, int64_t b) const { return (batch_first ? b * ND + d : d * B + b) * H; }
  // The offset of direction d's data in Y and the states, as the runtime kernels expect it.
  int64_t dir_block() const { return batch_first ? H : B * H; }
};

// Validates inputs and attributes common to RNN/GRU/LSTM.
Status rnn_resolve(OpCtx& ctx, const RnnSchema& s, RnnGeom* g);
// Sets Y [S, ND, B, H] and the state outputs (outputs 1.. are [ND, B, H]); with layout=1
// Y [B, S, ND, H] and [B, ND, H].
Status rnn_infer(OpCtx& ctx, const RnnSchema& s);

// The shape of initial_h/c, Y_h and Y_c: [ND, B, H], or [B, ND, H] with layout=1.
Shape rnn_state_shape(const RnnGeom& g);

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
