// dispatch.cpp — CPU feature detection (CPUID + XGETBV, as numpy does) and the FASTNN_ISA cap.
#include "dispatch.h"

#include <atomic>
#include <cstdlib>

#if defined(FASTNN_X86) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#endif

namespace fastnn {
namespace {

struct Features {
  bool avx2_fma = false;
  bool avx512 = false;  // F + BW + DQ + VL, with the OS saving zmm/opmask state
  std::string text;
};

#if defined(FASTNN_X86) && (defined(__GNUC__) || defined(__clang__))
unsigned long long xgetbv0() {
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((unsigned long long)hi << 32) | lo;
}

Features detect() {
  Features f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool fma = c & (1u << 12), osxsave = c & (1u << 27), avx = c & (1u << 28);
  if (!(osxsave && avx)) { f.text = "sse2"; return f; }
  const unsigned long long xcr0 = xgetbv0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6;     // XMM + YMM state
  const bool os_zmm = (xcr0 & 0xE6) == 0xE6;   // + opmask, ZMM_Hi256, Hi16_ZMM
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  const bool avx2 = b & (1u << 5);
  const bool avx512f = b & (1u << 16), avx512dq = b & (1u << 17), avx512bw = b & (1u << 30),
             avx512vl = b & (1u << 31);
  f.avx2_fma = os_ymm && avx2 && fma;
  f.avx512 = f.avx2_fma && os_zmm && avx512f && avx512dq && avx512bw && avx512vl;
  f.text = std::string("sse2 avx") + (fma ? " fma" : "") + (avx2 ? " avx2" : "") +
           (avx512f ? " avx512f" : "") + (avx512dq ? " avx512dq" : "") + (avx512bw ? " avx512bw" : "") +
           (avx512vl ? " avx512vl" : "") +
           (avx512f && !os_zmm ? " (the OS does not save zmm state: AVX-512 unusable)" : "");
  return f;
}
#else
Features detect() {
  Features f;
  f.text = "portable";
  return f;
}
#endif

const Features& features() {
  static const Features f = detect();
  return f;
}

Isa initial_isa() {
  Isa isa = best_supported_isa();
  if (const char* env = std::getenv("FASTNN_ISA")) {
    Isa cap;
    if (parse_isa(env, &cap) && cap < isa) isa = cap;  // an unknown value is reported by the Python layer
  }
  return isa;
}

std::atomic<int>& active() {
  static std::atomic<int> a{static_cast<int>(initial_isa())};
  return a;
}

}  // namespace

Isa best_supported_isa() {
  const Features& f = features();
  return f.avx512 ? Isa::avx512 : f.avx2_fma ? Isa::avx2 : Isa::generic;
}

Isa active_isa() { return static_cast<Isa>(active().load(std::memory_order_relaxed)); }

Isa set_active_isa(Isa wanted) {
  Isa best = best_supported_isa();
  Isa isa = wanted < best ? wanted : best;
  active().store(static_cast<int>(isa));
  return isa;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "generic";
  }
}

bool parse_isa(const std::string& name, Isa* out) {
  if (name == "avx512") *out = Isa::avx512;
  else if (name == "avx2") *out = Isa::avx2;
  else if (name == "generic") *out = Isa::generic;
  else return false;
  return true;
}

std::string cpu_features() { return features().text; }

}  // namespace fastnn
