// Element types kiln knows, with their C spelling and size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln {

enum class DType : uint8_t {
  kUndefined,
  kFloat32,
  kFloat64,
  kInt8,
  kUInt8,
  kInt16,
  kUInt16,
  kInt32,
  kUInt32,
  kInt64,
  kUInt64,
  kBool,
};

size_t dtype_size(DType t);
// The C type used in generated code ("float", "int8_t", "bool" is "uint8_t"...).
const char* dtype_c_name(DType t);
// Short lower-case name used by the IR printer ("f32", "i8", ...).
const char* dtype_short_name(DType t);
bool dtype_is_float(DType t);
bool dtype_is_integer(DType t);  // bool excluded
bool dtype_is_signed(DType t);
// The DType of an ONNX TensorProto.DataType code (the `to` of Cast, the `dtype` of EyeLike,
// ...); false for codes kiln has no type for (string, float16, bfloat16, complex).
bool dtype_from_onnx_code(int64_t code, DType* t);

// Maps a C++ type to its DType (used by typed accessors and reference kernels).
template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::kFloat32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::kFloat64; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::kInt8; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::kUInt8; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::kInt16; };
template <> struct DTypeOf<uint16_t> { static constexpr DType value = DType::kUInt16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::kInt32; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::kUInt32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::kInt64; };
template <> struct DTypeOf<uint64_t> { static constexpr DType value = DType::kUInt64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::kBool; };

// Calls f(T{}) with T the C++ type of `t`; returns false for kUndefined.
template <typename F>
bool dispatch_dtype(DType t, F&& f) {
  switch (t) {
    case DType::kFloat32: f(float{}); return true;
    case DType::kFloat64: f(double{}); return true;
    case DType::kInt8: f(int8_t{}); return true;
    case DType::kUInt8: f(uint8_t{}); return true;
    case DType::kInt16: f(int16_t{}); return true;
    case DType::kUInt16: f(uint16_t{}); return true;
    case DType::kInt32: f(int32_t{}); return true;
    case DType::kUInt32: f(uint32_t{}); return true;
    case DType::kInt64: f(int64_t{}); return true;
    case DType::kUInt64: f(uint64_t{}); return true;
    case DType::kBool: f(bool{}); return true;
    case DType::kUndefined: return false;
  }
  return false;
}

}  // namespace kiln
