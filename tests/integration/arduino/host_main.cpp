// Runs an Arduino sketch on the host: setup() once, as the core's main() would before loop().
#include <Arduino.h>

#include <chrono>

HardwareSerialShim Serial;

unsigned long micros(void) {
  using namespace std::chrono;
  return static_cast<unsigned long>(duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());
}

void setup();

int main() {
  setup();
  return 0;
}
