// A stand-in for an Arduino core's Arduino.h with just what kiln's example sketch uses (Serial,
// micros): on the host it prints to stdout; for the Cortex-M4 check it only has to compile.
#ifndef KILN_TEST_ARDUINO_H_
#define KILN_TEST_ARDUINO_H_

#include <stdint.h>
#include <stdio.h>

class HardwareSerialShim {
 public:
  void begin(unsigned long) {}
  explicit operator bool() const { return true; }
  void print(const char* s) { printf("%s", s); }
  void print(int v) { printf("%d", v); }
  void print(long v) { printf("%ld", v); }
  void print(unsigned long v) { printf("%lu", v); }
  void print(double v, int digits = 2) { printf("%.*f", digits, v); }
  template <typename T>
  void println(T v) {
    print(v);
    printf("\n");
  }
  void println(double v, int digits) {
    print(v, digits);
    printf("\n");
  }
};

extern HardwareSerialShim Serial;
unsigned long micros(void);

#endif  // KILN_TEST_ARDUINO_H_
