#include "core/cancel.h"

namespace qac {
namespace {
thread_local const CancelCheck* t_check = nullptr;
}  // namespace

const CancelCheck* thread_cancel_check() { return t_check; }
void set_thread_cancel_check(const CancelCheck* check) { t_check = check; }

Status check_cancelled() {
  if (t_check && *t_check && (*t_check)()) return Status::Cancelled("the run was cancelled");
  return Status::Ok();
}

ScopedCancelCheck::ScopedCancelCheck(CancelCheck check) : check_(std::move(check)), previous_(t_check) {
  t_check = &check_;
}

ScopedCancelCheck::~ScopedCancelCheck() { t_check = previous_; }

}  // namespace qac
