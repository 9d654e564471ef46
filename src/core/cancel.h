// The cancellation check of the calling thread (installed by qac::ScopedCancelCheck,
// qac/run_control.h), for the loops that run models batch after batch.
#pragma once

#include "qac/run_control.h"
#include "qac/status.h"

namespace qac {

// Cancelled ("the run was cancelled") when this thread's check asks to stop; OK otherwise,
// also when no check is installed.
Status check_cancelled();

// This thread's innermost check (null when none); set by ScopedCancelCheck only.
const CancelCheck* thread_cancel_check();
void set_thread_cancel_check(const CancelCheck* check);

}  // namespace qac
