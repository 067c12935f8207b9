/* One model, two ways: kiln's static arena (net_*) and the firmware's own buffers (net_ext_*).
 * Both must compute the same outputs; the external one must refuse to run without an arena and
 * refuse a misaligned one. */
#include <stdio.h>
#include <string.h>

#include "net.h"
#include "net_ext.h"

static float in[NET_INPUT_0_SIZE], want[NET_OUTPUT_0_SIZE], got[NET_OUTPUT_0_SIZE];

/* two instances: each its own buffer, one byte extra to try a misaligned pointer */
static _Alignas(NET_EXT_ARENA_ALIGN) unsigned char arena_a[NET_EXT_ARENA_BYTES + 1];
static _Alignas(NET_EXT_ARENA_ALIGN) unsigned char arena_b[NET_EXT_ARENA_BYTES];

static int fail(const char *what) {
  printf("FAIL: %s\n", what);
  return 1;
}

int main(void) {
  for (int i = 0; i < NET_INPUT_0_SIZE; ++i) in[i] = (float)((i * 37) % 101) / 101.0f;
  if (net_run(in, want) != 0) return fail("net_run");

  if (net_ext_invoke() == 0) return fail("invoke without an arena succeeded");
  if (net_ext_run(in, got) == 0) return fail("run without an arena succeeded");
  if (net_ext_input_0() != NULL) return fail("an accessor without an arena is not NULL");
  if (net_ext_set_arena(arena_a + 1) == 0) return fail("a misaligned arena was accepted");
  if (net_ext_set_arena(NULL) == 0) return fail("a NULL arena was accepted");

  if (net_ext_set_arena(arena_a) != 0) return fail("set_arena(a)");
  if (net_ext_run(in, got) != 0) return fail("run on a");
  if (memcmp(got, want, sizeof got) != 0) return fail("instance a differs from the static arena");
  /* instance b, with a different input: a's outputs stay in a */
  if (net_ext_set_arena(arena_b) != 0) return fail("set_arena(b)");
  memset(net_ext_input_0(), 0, sizeof in);
  if (net_ext_invoke() != 0) return fail("invoke on b");
  if (net_ext_set_arena(arena_a) != 0) return fail("set_arena(a) again");
  if (memcmp(net_ext_output_0(), want, sizeof want) != 0) return fail("instance b overwrote a");

  printf("ok: static arena %d bytes; two external instances agree\n", NET_ARENA_BYTES);
  return 0;
}
