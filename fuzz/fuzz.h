/* What libFuzzer calls; declared once so that every target is built with
 * -Wmissing-prototypes like the rest. */
#ifndef KH_FUZZ_H
#define KH_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
