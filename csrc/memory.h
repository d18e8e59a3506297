// memory.h — process allocator settings for training loops.
//
// A training step allocates and frees the same multi-MiB arrays (gradients, activations) every step. glibc's
// default malloc serves such blocks with fresh mmap()s, or trims the heap after they are freed, so every step
// page-faults them in again: measured 0.3 ms of a 2.6 ms MLP step (784x512 weight gradient). Keeping blocks up to
// 32 MiB on the heap and trimming only beyond 128 MiB of free heap removes that cost.
#pragma once

namespace fastnn {

// Applies the settings above once (glibc only), unless FASTNN_MALLOC_TUNING=0 or the user set glibc's own
// MALLOC_*_ / GLIBC_TUNABLES variables. Returns whether the settings are in effect.
bool tune_allocator();

// Physical memory of the machine in bytes (0 if unknown): size guards reject requests beyond it as impossible.
double physical_memory_bytes();

}  // namespace fastnn
