// Helpers shared by the quantization family (QuantizeLinear, DequantizeLinear, QLinearConv,
// QLinearMatMul, ConvInteger, MatMulInteger and the com.microsoft QLinear* ops) and by
// passes/fold_qdq.
//
// The integer scheme is TFLite's: a real multiplier M = s_in * s_w / s_out is a 32-bit
// fixed-point multiplier in [2^30, 2^31) and a power-of-two shift; requantization rounds the
// exact 64-bit product once (ties to even). The functions here are the compiler-side twins of
// runtime/kiln_int8.h, bit for bit, so that an op's reference evaluation computes exactly what
// its emitted kernel computes.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "compiler/ops/op.h"

namespace kiln {

// The contrib domain of onnxruntime's quantized ops (QLinearAdd, QGemm, ...).
extern const char* const kMsDomain;

struct QuantMultiplier {
  int32_t mult = 0;   // Q31 fixed point in [2^30, 2^31), or 0
  int32_t shift = 0;  // power of two: positive shifts left, negative right (TFLite's convention)
};

// TFLite's QuantizeMultiplier: m = mult * 2^(shift - 31).
QuantMultiplier quantize_multiplier(double m);
// Multipliers of the channels of one layer (reals in (0, 2^31)). When the channels' shifts lie
// within 6 of each other, all get the largest shift and 25+-bit multipliers, so kernels shift by
// a compile-time constant; else each its own (TFLite's per-channel form).
// `hull` ([lowest, highest] shift, optional) widens the channels' shift range: passes/
// prune_channels records a layer's range before it removes channels (node attribute
// kiln_shift_hull), so the remaining channels keep the multipliers they had.
std::vector<QuantMultiplier> channel_multipliers(const std::vector<double>& reals,
                                                 const std::vector<int64_t>& hull = {});

// x * M, rounded to nearest with ties to even (TFLite's single-rounding
// MultiplyByQuantizedMultiplier, with ONNX's tie rule).
int32_t multiply_by_quantized_multiplier(int32_t x, QuantMultiplier q);

// Smallest and largest value of an integer dtype (int8 -> -128, 127).
int64_t dtype_min(DType t);
int64_t dtype_max(DType t);
bool is_quant_type(DType t);  // int8 or uint8

// ONNX's rounding: to nearest, ties to even.
double round_half_even(double v);

// A constant scale or zero-point input read as numbers. `count` is 1 (per tensor) or the size
// of the quantized axis; a missing zero point reads as zeros.
struct QParam {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  bool per_tensor() const { return scale.size() == 1; }
  float s(int64_t c) const { return scale[scale.size() == 1 ? 0 : static_cast<size_t>(c)]; }
  int32_t z(int64_t c) const { return zero_point[zero_point.size() == 1 ? 0 : static_cast<size_t>(c)]; }
};
bool qparam_is_const(const OpCtx& ctx, size_t scale_input, size_t zp_input);
// Reads scale input `si` and zero-point input `zi` (which may be absent); both must be constant.
// Checks that the scale is positive and finite and has 1 or `channels` elements.
Status read_qparam(const OpCtx& ctx, size_t si, size_t zi, int64_t channels, QParam* q);
// Validates the shapes of a scale/zero-point pair without reading values (they may be graph
// inputs): 1 element or `channels`; the zero point's dtype must be `zp_type` when present.
Status check_qparam_shape(const OpCtx& ctx, size_t si, size_t zi, int64_t channels, const char* what);

// QuantizeLinear/DequantizeLinear geometry: a scale of 1 element is per tensor (channels = 1);
// a 1-D scale (opset 13+) quantizes along `axis` (default 1) with channels = dim(axis) and
// `inner` = elements per channel step.
struct QAxis {
  int64_t axis = -1;
  int64_t channels = 1;
  int64_t inner = 1;
};
Status resolve_qaxis(const OpCtx& ctx, size_t scale_input, QAxis* a);

// Output clamp of a quantized op: the dtype's range, narrowed by a fused Relu/Clip
// (passes/fold_qdq records it as kiln_act/kiln_act_lo/kiln_act_hi in real units).
void quant_output_range(const Node& n, DType y, float y_scale, int32_t y_zp, int32_t* lo, int32_t* hi);

// Adds a per-tensor scale (float scalar) and zero point (scalar of `zp_type`) as constants of
// g named after `base` (made unique); returns their names.
std::pair<std::string, std::string> add_scale_zero_point(Graph& g, const std::string& base, float scale, int32_t zp,
                                                         DType zp_type = DType::kInt8);

// A constant int32 tensor (derived constants: folded biases, multipliers, shifts).
Tensor int32_tensor(const std::string& name, const std::vector<int32_t>& v);
// Weights minus their zero point, stored as int8 when the values fit, else as int16.
Tensor offset_weights(const std::string& name, const Tensor& w, const std::vector<int32_t>& zp, int64_t channels,
                      int64_t per_channel);

// Reads element i of an integer tensor of any dtype as int32.
int32_t int_elem(const Tensor& t, int64_t i);

// C++ spelling of the runtime's output-stage functor that requantizes to y's type with these
// per-channel multipliers (per tensor when all agree, one template shift when all shifts agree);
// adds the constants it needs.
std::string requant_functor(OpCtx& ctx, DType y, const std::vector<QuantMultiplier>& m, int32_t y_zp,
                            int32_t lo, int32_t hi);

// QuantizeLinear per tensor without float arithmetic (kiln::quantize_thresholds, cores without
// an FPU): t[j] is the order key (a float's bits, a negative one's magnitude bits flipped) of the
// smallest float whose quantized value (float division by s, clamp, ties to even, + z: the
// kernel's and the reference's) is lo + j + 1 or more, INT32_MAX when none is (hi - lo entries).
// The quantized value does not decrease as x grows, so the count of thresholds at or below x's
// key, plus lo, is it.
std::vector<int32_t> quantize_thresholds(float s, int32_t z, int64_t lo, int64_t hi);

}  // namespace kiln
