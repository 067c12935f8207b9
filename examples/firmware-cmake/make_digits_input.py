#!/usr/bin/env python3
"""Writes digits_input.h: the digits_cnn test input as a C array, and the expected digit.

    python3 make_digits_input.py ../digits_cnn/test_data_set_0 > digits_input.h

Reads the ONNX TensorProtos input_0.pb and output_0.pb with a minimal protobuf reader (float
tensors: dims, data_type, raw_data or float_data), so it needs nothing beyond Python 3.
"""
import struct
import sys


def varint(buf, i):
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return v, i


def read_floats(path):
    buf = open(path, "rb").read()
    i, dims, data = 0, [], b""
    while i < len(buf):
        key, i = varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(buf, i)
            if field == 1:
                dims.append(v)
            elif field == 2 and v != 1:
                sys.exit(f"{path}: data_type {v} is not FLOAT")
        elif wire == 2:
            n, i = varint(buf, i)
            if field in (4, 9):  # float_data (packed), raw_data: both little-endian float32
                data += buf[i:i + n]
            elif field == 1:  # packed dims
                j = i
                while j < i + n:
                    v, j = varint(buf, j)
                    dims.append(v)
            i += n
        elif wire == 5:
            if field == 4:
                data += buf[i:i + 4]
            i += 4
        else:
            sys.exit(f"{path}: unexpected wire type {wire}")
    return dims, list(struct.unpack(f"<{len(data) // 4}f", data))


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "../digits_cnn/test_data_set_0"
    dims, x = read_floats(f"{folder}/input_0.pb")
    _, y = read_floats(f"{folder}/output_0.pb")
    expected = max(range(len(y)), key=lambda k: y[k])
    print("/* The digits_cnn test input (examples/digits_cnn/test_data_set_0/input_0.pb), written by")
    print(" * make_digits_input.py. Do not edit. */")
    print("#ifndef DIGITS_INPUT_H_")
    print("#define DIGITS_INPUT_H_")
    print()
    print("/* the argmax of output_0.pb (onnxruntime) */")
    print(f"#define DIGITS_EXPECTED_DIGIT {expected}")
    print()
    print(f"/* float32 {dims}: an 8x8 image, pixels / 16 */")
    print(f"static const float kDigitsInput[{len(x)}] = {{")
    for r in range(0, len(x), 8):
        print("    " + " ".join(f"{v!r}f," for v in x[r:r + 8]))
    print("};")
    print()
    print("#endif  /* DIGITS_INPUT_H_ */")


if __name__ == "__main__":
    main()
