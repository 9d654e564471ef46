#include "core/interrupt_guard.h"

#include <signal.h>

#include <atomic>
#include <mutex>

namespace qac {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr int kSignalCount = sizeof(kSignals) / sizeof(kSignals[0]);

// Read by the handler: only lock-free atomics.
std::atomic<int> g_pending{0};
std::atomic<pid_t> g_group{0};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<pid_t>::is_always_lock_free);

// Installation state, changed only under g_mutex.
std::mutex g_mutex;
int g_depth = 0;
struct sigaction g_previous[kSignalCount];

void on_signal(int sig) {
  int expected = 0;
  g_pending.compare_exchange_strong(expected, sig);
  const pid_t group = g_group.load();
  if (group > 0) ::kill(-group, SIGKILL);
}

}  // namespace

InterruptGuard::InterruptGuard() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_depth++ > 0) return;
  g_pending.store(0);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: blocking calls return EINTR and see the signal
  for (int i = 0; i < kSignalCount; ++i) ::sigaction(kSignals[i], &action, &g_previous[i]);
}

InterruptGuard::~InterruptGuard() {
  int sig = 0;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (--g_depth > 0) return;
    for (int i = 0; i < kSignalCount; ++i) ::sigaction(kSignals[i], &g_previous[i], nullptr);
    g_group.store(0);
    sig = g_pending.exchange(0);
  }
  if (sig != 0) ::raise(sig);
}

int InterruptGuard::pending_signal() { return g_pending.load(); }

void InterruptGuard::kill_on_signal(pid_t pgid) {
  g_group.store(pgid);
  if (pgid > 0 && g_pending.load() != 0) ::kill(-pgid, SIGKILL);
}

}  // namespace qac
