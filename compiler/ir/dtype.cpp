#include "compiler/ir/dtype.h"

namespace kiln {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::kFloat64: case DType::kInt64: case DType::kUInt64: return 8;
    case DType::kFloat32: case DType::kInt32: case DType::kUInt32: return 4;
    case DType::kInt16: case DType::kUInt16: return 2;
    case DType::kInt8: case DType::kUInt8: case DType::kBool: return 1;
    case DType::kUndefined: return 0;
  }
  return 0;
}

const char* dtype_c_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "float";
    case DType::kFloat64: return "double";
    case DType::kInt8: return "int8_t";
    case DType::kUInt8: return "uint8_t";
    case DType::kInt16: return "int16_t";
    case DType::kUInt16: return "uint16_t";
    case DType::kInt32: return "int32_t";
    case DType::kUInt32: return "uint32_t";
    case DType::kInt64: return "int64_t";
    case DType::kUInt64: return "uint64_t";
    case DType::kBool: return "bool";
    case DType::kUndefined: return "void";
  }
  return "void";
}

const char* dtype_short_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "f32";
    case DType::kFloat64: return "f64";
    case DType::kInt8: return "i8";
    case DType::kUInt8: return "u8";
    case DType::kInt16: return "i16";
    case DType::kUInt16: return "u16";
    case DType::kInt32: return "i32";
    case DType::kUInt32: return "u32";
    case DType::kInt64: return "i64";
    case DType::kUInt64: return "u64";
    case DType::kBool: return "bool";
    case DType::kUndefined: return "?";
  }
  return "?";
}

bool dtype_is_float(DType t) { return t == DType::kFloat32 || t == DType::kFloat64; }

bool dtype_is_integer(DType t) {
  return !dtype_is_float(t) && t != DType::kBool && t != DType::kUndefined;
}

bool dtype_is_signed(DType t) {
  return t == DType::kInt8 || t == DType::kInt16 || t == DType::kInt32 || t == DType::kInt64 ||
         dtype_is_float(t);
}

bool dtype_from_onnx_code(int64_t code, DType* t) {
  switch (code) {
    case 1: *t = DType::kFloat32; return true;
    case 2: *t = DType::kUInt8; return true;
    case 3: *t = DType::kInt8; return true;
    case 4: *t = DType::kUInt16; return true;
    case 5: *t = DType::kInt16; return true;
    case 6: *t = DType::kInt32; return true;
    case 7: *t = DType::kInt64; return true;
    case 9: *t = DType::kBool; return true;
    case 11: *t = DType::kFloat64; return true;
    case 12: *t = DType::kUInt32; return true;
    case 13: *t = DType::kUInt64; return true;
    default: return false;
  }
}

}  // namespace kiln
