// interrupt.h — stopping a long kernel call early (Ctrl-C) without touching Python here.
//
// The bindings (run_kernel in bind_common.h) open an InterruptScope around a kernel call whose outputs are fresh
// arrays, with a poll function (it re-acquires the GIL and runs Python's signal handlers). Drivers capture
// current_interrupt() on the calling thread before their parallel region and, between pieces of bounded work, ask
// stop_requested(): on the calling thread (thread 0 of the region) that polls at most every kPollInterval; every thread
// sees the latched answer and returns early. The binding then raises the pending Python exception (KeyboardInterrupt).
// A call without a scope (in-place updates, calls off Python's main thread) runs exactly as before, unsplit.
//
// Pieces only change how a thread's range is cut into calls of the same per-item code; drivers split only where
// the result of an item does not depend on the cut, so results are bitwise identical with or without a scope.
#pragma once
#include <atomic>
#include <chrono>
#include <thread>

#include "common.h"

namespace fastnn {

class InterruptScope {
 public:
  // poll returns true when the call must stop; null makes a shield scope (nested calls see no scope at all).
  using PollFn = bool (*)();
  explicit InterruptScope(PollFn poll);
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

  // Any thread: whether the call must stop; on the calling thread, polls first when a poll is due.
  bool stop_requested() {
    if (!stop_.load(std::memory_order_relaxed) && std::this_thread::get_id() == owner_) poll_if_due();
    return stop_.load(std::memory_order_relaxed);
  }
  // Whether a poll asked to stop (the binding raises then).
  bool stopped() const { return stop_.load(std::memory_order_relaxed); }

 private:
  void poll_if_due();
  PollFn poll_;
  std::atomic<bool> stop_{false};
  std::thread::id owner_;
  std::chrono::steady_clock::time_point next_poll_;
  InterruptScope* prev_;
};

// Polls are at least this far apart: a poll may wait for the GIL (up to Python's 5 ms switch interval when
// another Python thread runs), so this bounds that cost to a few %, and reaction time to ~0.1 s + one piece.
constexpr std::chrono::milliseconds kPollInterval{100};

// The innermost scope with a poll function open on this thread, or null.
InterruptScope* current_interrupt();

// Work units (multiply-adds or element touches, as threads_for counts them) per piece: ~1-10 ms on one core.
// Settable only for tests (_core._set_interrupt_piece_work), which force tiny pieces to check bitwise equality.
index_t interrupt_piece_work();
void set_interrupt_piece_work(index_t work);

// Calls fn(b, e) over [begin, end): in one call without a scope, else in pieces of about interrupt_piece_work()
// units, stopping early when the call is interrupted.
template <class F>
void for_each_piece(InterruptScope* irq, index_t begin, index_t end, index_t work_per_item, F&& fn) {
  if (!irq) {
    fn(begin, end);
    return;
  }
  const index_t per = work_per_item > 0 ? work_per_item : 1;
  const index_t q = interrupt_piece_work() / per;
  const index_t step = q > 0 ? q : 1;
  for (index_t b = begin; b < end && !irq->stop_requested(); b += step) fn(b, end - b > step ? b + step : end);
}

// Whether the call running on this thread was interrupted (drivers test this between their regions).
inline bool interrupted(InterruptScope* irq) { return irq && irq->stopped(); }

}  // namespace fastnn
