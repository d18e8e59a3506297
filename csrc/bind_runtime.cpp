// bind_runtime.cpp — Python bindings of what is not a kernel family: ISA dispatch (dispatch.h), threads and the
// adaptive thread policy (parallel.h), the allocator settings (memory.h), the interrupt piece size (interrupt.h)
// and the bench suite's FMA-peak probe (probe.h).
#include "bind_common.h"
#include "dispatch.h"
#include "memory.h"
#include "parallel.h"
#include "probe.h"

namespace fastnn_bind {

void bind_runtime(py::module_& m) {
  m.def("allocator_tuned", &fastnn::tune_allocator,
        "Whether fastnn's glibc malloc settings are in effect (FASTNN_MALLOC_TUNING=0 turns them off).");

  m.def("isa", [] { return std::string(fastnn::isa_name(fastnn::active_isa())); },
        "Instruction-set path the kernels run on: 'avx512', 'avx2' or 'generic'.");
  m.def("best_supported_isa", [] { return std::string(fastnn::isa_name(fastnn::best_supported_isa())); });
  m.def("cpu_features", &fastnn::cpu_features);
  m.def("set_isa", [](const std::string& name) {
        fastnn::Isa isa;
        if (!fastnn::parse_isa(name, &isa))
          fail("Unknown ISA: '" + name + "'. Expected one of avx512, avx2, generic");
        return std::string(fastnn::isa_name(fastnn::set_active_isa(isa)));
      }, py::arg("name"), "Lower (or restore) the active path, capped by what the CPU supports; returns it.");
  m.def("set_num_threads", [](int n) {
        if (n < 0) fail("`n` must be >= 0 (0: the OpenMP default), received " + std::to_string(n));
        fastnn::set_num_threads(n);
      }, py::arg("n"), "Thread count for every kernel (0: the OpenMP default), capped at max_threads().");
  m.def("get_num_threads", &fastnn::num_threads);
  m.def("thread_policy", [] {
        const fastnn::ThreadPolicyStats s = fastnn::thread_policy_stats();
        py::dict d;
        d["adaptive"] = s.adaptive;
        d["timed_regions"] = s.timed_regions;
        d["serial_regions"] = s.serial_regions;
        d["trips"] = s.trips;
        d["ledger_ms"] = s.ledger_ms;
        d["backoff_ms"] = s.backoff_ms;
        d["backoff_regions"] = s.backoff_regions;
        d["serial_remaining_ms"] = s.serial_remaining_ms;
        return d;
      }, "The adaptive thread policy's state: regions timed, regions run serially while backing off, back-offs.");
  m.def("set_thread_policy", [](const std::string& name) {
        if (name != "adaptive" && name != "static")
          fail("Unknown thread policy: '" + name + "'. Expected one of adaptive, static");
        fastnn::set_adaptive_threads(name == "adaptive");
      }, py::arg("name"), "'adaptive' (default) or 'static' (always the requested threads); forgets the history.");
  m.def("_debug_late_partner", &fastnn::set_debug_late_partner_us, py::arg("microseconds"),
        "Tests only: thread 1 sleeps this long at the start of every timed region (0 turns it off).");

  m.def("max_threads", &fastnn::max_threads, "The cap on kernel threads: CPUs this process may run on.");
  m.def("_set_interrupt_piece_work", [](index_t work) {
        const index_t old = fastnn::interrupt_piece_work();
        fastnn::set_interrupt_piece_work(work);
        return old;
      }, py::arg("work"), "Tests only: work units per interruptible piece (1: the smallest); returns the old value.");
  m.def("has_openmp", [] {
#ifdef _OPENMP
    return true;
#else
    return false;
#endif
  });

  m.def("measure_fma_peak_gflops", [](int threads, double seconds) {
        if (threads < 1 || threads > fastnn::max_threads())  // libgomp exits when it cannot create them
          fail("`threads` must be in [1, max_threads() = " + std::to_string(fastnn::max_threads()) +
               "], received " + std::to_string(threads));
        py::gil_scoped_release nogil;
        return fastnn::measure_fma_peak_gflops(threads, seconds);
      }, py::arg("threads"), py::arg("seconds") = 0.2,
      "Single-precision FMA peak (GFLOP/s) of the active ISA path with `threads` threads (bench suite probe).");
}

}  // namespace fastnn_bind
