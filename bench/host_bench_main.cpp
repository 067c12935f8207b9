// Timing harness of bench/host_bench.sh (not a test): fills the generated model's inputs
// ("net", compiled with --name net) with the same pseudo-random values host_bench_ort.js feeds
// onnxruntime, then prints the best microseconds per inference of five batches of >= 0.2 s.
// `--shapes` prints each input's shape instead ("1,1,49,10 ..."), for the onnxruntime side.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <type_traits>

#include "net.h"

namespace {

// The sequence host_bench_ort.js reproduces: x = (i * 7919 % 2001) / 1000 - 1 in [-1, 1].
template <typename T>
void fill(T* p, long n) {
  for (long i = 0; i < n; ++i) {
    const double v = static_cast<double>(i * 7919 % 2001) / 1000.0 - 1.0;
    if (std::is_floating_point<T>::value) p[i] = static_cast<T>(v);
    else p[i] = static_cast<T>(static_cast<int>(v * 100));
  }
}

void shape(const int32_t* s, int rank) {
  for (int i = 0; i < rank; ++i) std::printf("%s%d", i ? "," : "", static_cast<int>(s[i]));
  std::printf(" ");
}

}  // namespace

int main(int argc, char** argv) {
  const bool shapes = argc > 1 && std::strcmp(argv[1], "--shapes") == 0;
#define KILN_BENCH_INPUT(I)                                              \
  if (shapes) shape(net::input_##I##_shape, net::input_##I##_rank);     \
  else fill(net_input_##I(), net::input_##I##_size);
  KILN_BENCH_INPUT(0)
#if NET_NUM_INPUTS > 1
  KILN_BENCH_INPUT(1)
#endif
#if NET_NUM_INPUTS > 2
  KILN_BENCH_INPUT(2)
#endif
#if NET_NUM_INPUTS > 3
  KILN_BENCH_INPUT(3)
#endif
  if (shapes) {
    std::printf("\n");
    return 0;
  }
  using clock = std::chrono::steady_clock;
  for (int i = 0; i < 10; ++i) net_invoke();
  double best = 1e30;
  for (int batch = 0; batch < 5; ++batch) {
    long n = 0;
    const auto t0 = clock::now();
    double s = 0;
    do {
      for (int i = 0; i < 10; ++i) net_invoke();
      n += 10;
      s = std::chrono::duration<double>(clock::now() - t0).count();
    } while (s < 0.2);
    if (s / n < best) best = s / n;
  }
  std::printf("%.1f\n", best * 1e6);
  return 0;
}
