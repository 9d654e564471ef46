// Status and Result<T>: the error mechanism used inside qac and at its API boundary.
// A Status is either OK or carries a code and a message that names the file, node or tensor
// at fault. Functions that can fail on user input return Status or Result<T>; they never throw.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace qac {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad flag, option or user-provided value
  kNotFound,         // missing file, tensor, node
  kIoError,          // read/write failure
  kInvalidModel,     // malformed or inconsistent ONNX model
  kInvalidData,      // dataset does not match the model, NaN metric, ...
  kUnsupported,      // valid input that qac cannot handle
  kRuntimeError,     // ONNX Runtime or external command failure
  kInternal,         // a qac bug
  kCancelled,        // the caller's cancellation check asked the run to stop (run_control.h)
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status InvalidModel(std::string m) { return {StatusCode::kInvalidModel, std::move(m)}; }
  static Status InvalidData(std::string m) { return {StatusCode::kInvalidData, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status RuntimeError(std::string m) { return {StatusCode::kRuntimeError, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code name>: <message>", or "OK".
  std::string to_string() const;

  // Returns a copy whose message is "<context>: <message>"; OK stays OK.
  Status with_context(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(data_).ok() && "Result constructed from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  // REQUIRES: !ok() for a meaningful message; returns OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(data_); }

  // REQUIRES: ok()
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace qac

#define QAC_CONCAT_INNER_(a, b) a##b
#define QAC_CONCAT_(a, b) QAC_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define QAC_RETURN_IF_ERROR(expr)                 \
  do {                                            \
    ::qac::Status qac_status_ = (expr);           \
    if (!qac_status_.ok()) return qac_status_;    \
  } while (0)

// `lhs = value of expr` or return its Status. `lhs` may be a declaration: `auto x`.
#define QAC_ASSIGN_OR_RETURN(lhs, expr) \
  QAC_ASSIGN_OR_RETURN_IMPL_(QAC_CONCAT_(qac_result_, __LINE__), lhs, expr)
#define QAC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
