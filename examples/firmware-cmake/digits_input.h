/* The digits_cnn test input (examples/digits_cnn/test_data_set_0/input_0.pb), written by
 * make_digits_input.py. Do not edit. */
#ifndef DIGITS_INPUT_H_
#define DIGITS_INPUT_H_

/* the argmax of output_0.pb (onnxruntime) */
#define DIGITS_EXPECTED_DIGIT 2

/* float32 [1, 1, 8, 8]: an 8x8 image, pixels / 16 */
static const float kDigitsInput[64] = {
    0.0f, 0.0f, 0.6875f, 1.0f, 0.9375f, 0.1875f, 0.0f, 0.0f,
    0.0f, 0.3125f, 1.0f, 0.75f, 0.6875f, 0.8125f, 0.0f, 0.0f,
    0.0f, 0.1875f, 0.8125f, 0.0625f, 0.3125f, 0.9375f, 0.0f, 0.0f,
    0.0f, 0.0f, 0.0f, 0.0f, 0.75f, 0.6875f, 0.0f, 0.0f,
    0.0f, 0.0f, 0.0f, 0.0625f, 1.0f, 0.4375f, 0.0f, 0.0f,
    0.0f, 0.0f, 0.0f, 0.625f, 0.9375f, 0.0f, 0.0f, 0.0f,
    0.0f, 0.0f, 0.75f, 1.0f, 1.0f, 0.6875f, 0.0625f, 0.0f,
    0.0f, 0.0f, 0.8125f, 0.8125f, 0.5f, 0.8125f, 1.0f, 0.5f,
};

#endif  /* DIGITS_INPUT_H_ */
