// interrupt.cpp — see interrupt.h.
#include "interrupt.h"

namespace fastnn {
namespace {
thread_local InterruptScope* t_current = nullptr;
std::atomic<index_t> g_piece_work{index_t(1) << 26};
}  // namespace

InterruptScope::InterruptScope(PollFn poll)
    : poll_(poll),
      owner_(std::this_thread::get_id()),
      next_poll_(std::chrono::steady_clock::now() + kPollInterval),
      prev_(t_current) {
  t_current = poll ? this : nullptr;
}

InterruptScope::~InterruptScope() { t_current = prev_; }

void InterruptScope::poll_if_due() {
  const auto now = std::chrono::steady_clock::now();
  if (!poll_ || now < next_poll_) return;
  // A signal handler run by the poll may call kernels itself: they must not poll (or stop) this call.
  InterruptScope shield(nullptr);
  if (poll_()) stop_.store(true, std::memory_order_relaxed);
  next_poll_ = std::chrono::steady_clock::now() + kPollInterval;
}

InterruptScope* current_interrupt() { return t_current; }

index_t interrupt_piece_work() { return g_piece_work.load(std::memory_order_relaxed); }
void set_interrupt_piece_work(index_t work) { g_piece_work.store(work > 0 ? work : 1, std::memory_order_relaxed); }

}  // namespace fastnn
