// dispatch.h — run-time choice of the instruction-set path.
//
// Every kernel family compiles its ISA-templated code three times (…_avx512.cpp, …_avx2.cpp, …_generic.cpp),
// each into its own namespace, and exports a table of function pointers from each. FASTNN_SELECT(name) picks
// the table of the active path. The active path is the best one the CPU *and* OS support, capped by the
// environment variable FASTNN_ISA=avx512|avx2|generic, and can be lowered at run time (tests do, to cover
// every path in one process).
#pragma once
#include <string>

namespace fastnn {

enum class Isa : int { generic = 0, avx2 = 1, avx512 = 2 };

Isa active_isa();                 // the path kernels run on now
Isa best_supported_isa();         // what this CPU + OS can run (CPUID + XGETBV)
Isa set_active_isa(Isa wanted);   // min(wanted, supported); returns the path now active
const char* isa_name(Isa isa);
bool parse_isa(const std::string& name, Isa* out);
std::string cpu_features();       // human-readable, for `python -m fastnn info`

}  // namespace fastnn

// Declares `extern const Type name;` in each ISA namespace that this build contains.
#if defined(FASTNN_X86)
#define FASTNN_DECLARE_PER_ISA(Type, name)                  \
  namespace fastnn { namespace avx512 { extern const Type name; } \
                     namespace avx2 { extern const Type name; }   \
                     namespace generic { extern const Type name; } }
#define FASTNN_SELECT(name)                                                                 \
  (::fastnn::active_isa() == ::fastnn::Isa::avx512 ? ::fastnn::avx512::name                 \
   : ::fastnn::active_isa() == ::fastnn::Isa::avx2 ? ::fastnn::avx2::name : ::fastnn::generic::name)
#else
#define FASTNN_DECLARE_PER_ISA(Type, name) \
  namespace fastnn { namespace generic { extern const Type name; } }
#define FASTNN_SELECT(name) (::fastnn::generic::name)
#endif
