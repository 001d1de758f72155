// libFuzzer's entry point for programs that have a main of their own (a Swift executable
// always does): runs the fuzzer with the command line, calling `callback` for each input.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
