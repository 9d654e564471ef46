// Silero VAD v5 run as deployed: over audio streams, chunk by chunk, carrying the recurrent
// state and the audio context from one chunk to the next.
//
//   bench_silero_vad data MODEL STREAMS_DIR OUT_DIR [--every K] [--max N]
//   bench_silero_vad compare FP32_MODEL INT8_MODEL STREAMS_DIR [--threshold T] [--repeats R]
//
// STREAMS_DIR holds stream_*.npy files (float32 [S], 16 kHz in [-1, 1]; scripts/
// make_vad_streams.py writes them), read in name order. Each stream is cut into S / 512 chunks
// (a trailing partial chunk is ignored). Chunk c feeds the model
//   input  float32 [1, 576]     the 64 samples before the chunk (zeros for the first) + its 512
//   state  float32 [2, 1, 128]  stateN of chunk c - 1 (zeros for the first)
//   sr     int64   []           16000
// and yields output [1, 1] (speech probability) and stateN.
//
// `data` runs MODEL over every stream and keeps every K-th chunk, counted over the streams in
// order (so the kept positions move from stream to stream), at most N of them, as a qac dataset
// folder: input.npy [N, 576], state.npy [N, 2, 1, 128] (the state the chunk really sees; each
// sample has the model input's full shape), sr.npy int64 [N], and meta.json with the stream,
// chunk and MODEL's speech probability of each sample.
//
// `compare` runs both models over every stream, each with its own carried state, and prints as
// markdown: the chunk count, how many chunks FP32 calls speech (probability >= T), the share of
// chunks where INT8 makes the same call (all, FP32-speech, FP32-non-speech), the mean and max
// |p_int8 - p_fp32|, and the latency per chunk of each model: one intra-op thread, all graph
// optimizations, stream passes alternating between the models (the first model of each pair
// alternates too), median over R repeats of the whole set, and the INT8/FP32 ratio: of those
// medians, and the median of the ratios of the two adjacent passes over each stream (which
// cancels drift from other load on the machine best).
//
// Errors name the file at fault; the exit code is then 1.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/log.h"
#include "core/npy.h"
#include "runtime/session.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int64_t kChunk = 512;
constexpr int64_t kContext = 64;
constexpr int64_t kInput = kChunk + kContext;
constexpr int64_t kStateSize = 2 * 1 * 128;
constexpr int64_t kSampleRate = 16000;

int fail(const std::string& message) {
  std::fprintf(stderr, "bench_silero_vad: error: %s\n", message.c_str());
  return 1;
}

int fail(const qac::Status& s) { return fail(s.to_string()); }

const char* kUsage =
    "usage: bench_silero_vad data MODEL STREAMS_DIR OUT_DIR [--every K] [--max N]\n"
    "       bench_silero_vad compare FP32_MODEL INT8_MODEL STREAMS_DIR [--threshold T] [--repeats R]\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "bench_silero_vad: error: %s\n%s", message.c_str(), kUsage);
  return 1;
}

struct Stream {
  std::string name;  // file name
  std::vector<float> audio;
  int64_t chunks = 0;
};

qac::Result<std::vector<Stream>> load_streams(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return qac::Status::NotFound("streams folder " + dir.string() + " not found");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.rfind("stream_", 0) == 0 && entry.path().extension() == ".npy") {
      files.push_back(entry.path());
    }
  }
  if (ec) return qac::Status::IoError("cannot list " + dir.string() + ": " + ec.message());
  if (files.empty()) return qac::Status::NotFound("no stream_*.npy in " + dir.string());
  std::sort(files.begin(), files.end());
  std::vector<Stream> streams;
  for (const fs::path& f : files) {
    auto tensor = qac::read_npy(f);
    if (!tensor.ok()) return tensor.status();
    if (tensor->dtype != qac::DType::kFloat32 || tensor->shape.size() != 1) {
      return qac::Status::InvalidData(f.string() + ": expected a float32 1-D array, got " +
                                      qac::dtype_name(tensor->dtype) + " " + qac::shape_to_string(tensor->shape));
    }
    if (tensor->shape[0] < kChunk) {
      return qac::Status::InvalidData(f.string() + ": " + std::to_string(tensor->shape[0]) +
                                      " samples, shorter than one chunk (512)");
    }
    Stream s;
    s.name = f.filename().string();
    const float* p = tensor->data<float>();
    s.audio.assign(p, p + tensor->shape[0]);
    s.chunks = tensor->shape[0] / kChunk;
    streams.push_back(std::move(s));
  }
  return streams;
}

qac::Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return qac::Status::NotFound("model " + path.string() + " not found or unreadable");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.empty()) return qac::Status::InvalidModel("model " + path.string() + " is empty");
  return bytes;
}

// A session on `path` (one intra-op thread, all optimizations), checked to have Silero VAD v5's
// inputs and outputs.
qac::Result<std::unique_ptr<qac::Session>> open_vad(const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes.ok()) return bytes.status();
  qac::SessionOptions options;
  options.optimization = qac::OptimizationLevel::kAll;
  options.intra_op_threads = 1;
  auto session = qac::Session::create(*bytes, options, path);
  if (!session.ok()) return session.status();
  const qac::Session& s = **session;
  auto find = [](const std::vector<qac::ValueSpec>& specs, const std::string& name) -> const qac::ValueSpec* {
    for (const auto& v : specs) {
      if (v.name == name) return &v;
    }
    return nullptr;
  };
  struct Want {
    const char* name;
    qac::DType dtype;
    size_t rank;
  };
  if (s.inputs().size() != 3) {
    return qac::Status::InvalidModel("model " + path + " has " + std::to_string(s.inputs().size()) +
                                    " inputs; Silero VAD v5 has 3 (input, state, sr)");
  }
  for (const Want& w : {Want{"input", qac::DType::kFloat32, 2}, Want{"state", qac::DType::kFloat32, 3},
                        Want{"sr", qac::DType::kInt64, 0}}) {
    const qac::ValueSpec* v = find(s.inputs(), w.name);
    if (v == nullptr || v->dtype != w.dtype || v->shape.size() != w.rank) {
      return qac::Status::InvalidModel("model " + path + ": expected input '" + w.name + "' of type " +
                                      qac::dtype_name(w.dtype) + " and rank " + std::to_string(w.rank) +
                                      (v ? ", got " + std::string(qac::dtype_name(v->dtype)) + " " +
                                               qac::shape_to_string(v->shape)
                                         : ", not found"));
    }
  }
  for (const char* name : {"output", "stateN"}) {
    if (find(s.outputs(), name) == nullptr) {
      return qac::Status::InvalidModel("model " + path + ": no output '" + name +
                                       "' (Silero VAD v5 has output, stateN)");
    }
  }
  return session;
}

// Runs `session` over `stream` chunk by chunk. `probs` receives one probability per chunk.
// `on_chunk(c, feeds)` is called before chunk c runs, with the feeds it will see.
template <typename OnChunk>
qac::Status run_stream(const qac::Session& session, const std::string& label, const Stream& stream,
                       std::vector<float>& probs, OnChunk&& on_chunk) {
  qac::NamedTensors feeds;
  feeds["input"] = qac::Tensor(qac::DType::kFloat32, {1, kInput});
  feeds["state"] = qac::Tensor(qac::DType::kFloat32, {2, 1, 128});
  feeds["sr"] = qac::Tensor(qac::DType::kInt64, {});
  *feeds["sr"].data<int64_t>() = kSampleRate;
  float* input = feeds["input"].data<float>();
  float* state = feeds["state"].data<float>();
  static const std::vector<std::string> kFetch = {"output", "stateN"};
  qac::RunOutputs outputs;
  probs.resize(static_cast<size_t>(stream.chunks));
  for (int64_t c = 0; c < stream.chunks; ++c) {
    const float* chunk = stream.audio.data() + c * kChunk;
    if (c == 0) {
      std::fill(input, input + kContext, 0.0f);
    } else {
      std::copy(chunk - kContext, chunk, input);
    }
    std::copy(chunk, chunk + kChunk, input + kContext);
    on_chunk(c, feeds);
    if (qac::Status s = session.run_into(feeds, kFetch, outputs); !s.ok()) return s;
    const qac::Tensor& p = outputs.tensors[0];
    const qac::Tensor& next = outputs.tensors[1];
    if (p.dtype != qac::DType::kFloat32 || p.numel() != 1 || next.dtype != qac::DType::kFloat32 ||
        next.numel() != static_cast<size_t>(kStateSize)) {
      return qac::Status::InvalidData("model " + label + ": output " + qac::shape_to_string(p.shape) + ", stateN " +
                                      qac::shape_to_string(next.shape) + "; expected [1, 1] and [2, 1, 128]");
    }
    probs[static_cast<size_t>(c)] = *p.data<float>();
    std::copy(next.data<float>(), next.data<float>() + kStateSize, state);
  }
  return qac::Status::Ok();
}

bool parse_int(const std::string& text, long lo, long& out) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < lo) return false;
  out = v;
  return true;
}

bool parse_double(const std::string& text, double& out) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v)) return false;
  out = v;
  return true;
}

// ------------------------------------------------------------------------------------- data

int cmd_data(const std::vector<std::string>& args) {
  std::vector<std::string> pos;
  long every = 1, max_samples = -1;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--every" || a == "--max") {
      if (i + 1 >= args.size()) return usage_error(a + " needs a value");
      long v = 0;
      if (!parse_int(args[++i], 1, v)) return usage_error(a + " must be an integer >= 1, got '" + args[i] + "'");
      (a == "--every" ? every : max_samples) = v;
    } else if (a.rfind("--", 0) == 0) {
      return usage_error("unknown option " + a);
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() != 3) return usage_error("data takes MODEL STREAMS_DIR OUT_DIR");
  const std::string model_path = pos[0];
  const fs::path streams_dir = pos[1], out_dir = pos[2];

  auto session = open_vad(model_path);
  if (!session.ok()) return fail(session.status());
  auto streams = load_streams(streams_dir);
  if (!streams.ok()) return fail(streams.status());
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir)) {
    return fail("cannot create output folder " + out_dir.string() + (ec ? ": " + ec.message() : ""));
  }

  const auto t0 = Clock::now();
  std::vector<float> inputs, states, kept_probs;
  nlohmann::json samples = nlohmann::json::array();
  int64_t counter = 0, total_chunks = 0;
  for (const Stream& stream : *streams) {
    std::vector<int64_t> kept;  // chunk indices kept from this stream
    std::vector<float> probs;
    qac::Status s = run_stream(**session, model_path, stream, probs, [&](int64_t c, const qac::NamedTensors& feeds) {
      const bool full = max_samples >= 0 && static_cast<long>(kept_probs.size() + kept.size()) >= max_samples;
      if (counter++ % every != 0 || full) return;
      const float* in = feeds.at("input").data<float>();
      const float* st = feeds.at("state").data<float>();
      inputs.insert(inputs.end(), in, in + kInput);
      states.insert(states.end(), st, st + kStateSize);
      kept.push_back(c);
    });
    if (!s.ok()) return fail(s);
    total_chunks += stream.chunks;
    for (int64_t c : kept) {
      const float p = probs[static_cast<size_t>(c)];
      kept_probs.push_back(p);
      samples.push_back({{"stream", stream.name}, {"chunk", c}, {"fp32_prob", p}});
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const int64_t n = static_cast<int64_t>(kept_probs.size());
  if (n == 0) return fail("no chunk kept from " + streams_dir.string());

  qac::Tensor input(qac::DType::kFloat32, {n, kInput});
  std::copy(inputs.begin(), inputs.end(), input.data<float>());
  qac::Tensor state(qac::DType::kFloat32, {n, 2, 1, 128});
  std::copy(states.begin(), states.end(), state.data<float>());
  qac::Tensor sr(qac::DType::kInt64, {n});
  std::fill(sr.data<int64_t>(), sr.data<int64_t>() + n, kSampleRate);
  for (const auto& [name, tensor] : {std::pair<const char*, const qac::Tensor*>{"input.npy", &input},
                                     {"state.npy", &state}, {"sr.npy", &sr}}) {
    if (qac::Status s = qac::write_npy(out_dir / name, *tensor); !s.ok()) return fail(s);
  }
  int64_t speech = 0;
  for (float p : kept_probs) speech += p >= 0.5f;
  nlohmann::json meta = {
      {"model", model_path},
      {"streams_dir", streams_dir.string()},
      {"streams", streams->size()},
      {"chunks", total_chunks},
      {"every", every},
      {"samples", n},
      {"fp32_speech_samples_at_0.5", speech},
      {"layout",
       "input [N,576] = 64 context samples + one 512-sample chunk; state [N,2,1,128] = the carried "
       "state the chunk sees; sr [N] = 16000 (the model takes a scalar)"},
      {"per_sample", samples},
  };
  std::ofstream out(out_dir / "meta.json");
  out << meta.dump(1) << "\n";
  if (!out) return fail("cannot write " + (out_dir / "meta.json").string());
  std::printf("%s: %zu streams, %lld chunks in %.1f s; kept one chunk in %ld: %lld samples (%lld with p >= 0.5) -> %s\n",
              streams_dir.string().c_str(), streams->size(), static_cast<long long>(total_chunks), seconds, every,
              static_cast<long long>(n), static_cast<long long>(speech), out_dir.string().c_str());
  return 0;
}

// ---------------------------------------------------------------------------------- compare

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// What `compare` measures. Index 0 is FP32, 1 is INT8.
struct Passes {
  std::vector<std::vector<float>> probs[2];  // [stream][chunk], from the first repeat
  std::vector<double> seconds[2];            // per repeat, summed over the streams
  std::vector<double> pair_ratios;           // INT8 / FP32 time of each stream's two adjacent passes
  bool deterministic = true;                 // later repeats gave the first repeat's probabilities
};

qac::Status run_passes(const qac::Session* const sessions[2], const std::string labels[2],
                       const std::vector<Stream>& streams, long repeats, Passes& p) {
  auto no_hook = [](int64_t, const qac::NamedTensors&) {};
  std::vector<float> scratch;
  for (int m = 0; m < 2; ++m) {  // warm-up: one untimed pass over the first stream
    QAC_RETURN_IF_ERROR(run_stream(*sessions[m], labels[m], streams.front(), scratch, no_hook));
    p.probs[m].resize(streams.size());
  }
  for (long r = 0; r < repeats; ++r) {
    double total[2] = {0, 0};
    for (size_t i = 0; i < streams.size(); ++i) {
      const int first = static_cast<int>((r + static_cast<long>(i)) % 2);
      double pass[2] = {0, 0};
      for (int k = 0; k < 2; ++k) {
        const int m = k == 0 ? first : 1 - first;
        std::vector<float>& out = r == 0 ? p.probs[m][i] : scratch;
        const auto t0 = Clock::now();
        QAC_RETURN_IF_ERROR(run_stream(*sessions[m], labels[m], streams[i], out, no_hook));
        pass[m] = std::chrono::duration<double>(Clock::now() - t0).count();
        total[m] += pass[m];
        if (r > 0 && scratch != p.probs[m][i]) p.deterministic = false;
      }
      p.pair_ratios.push_back(pass[1] / pass[0]);
    }
    p.seconds[0].push_back(total[0]);
    p.seconds[1].push_back(total[1]);
  }
  return qac::Status::Ok();
}

void print_agreement(const Passes& p, double threshold, int64_t chunks) {
  int64_t fp32_speech = 0, int8_speech = 0, agree_speech = 0, agree_silence = 0;
  double sum_abs = 0, max_abs = 0;
  for (size_t i = 0; i < p.probs[0].size(); ++i) {
    for (size_t c = 0; c < p.probs[0][i].size(); ++c) {
      const float a = p.probs[0][i][c], b = p.probs[1][i][c];
      const bool sa = a >= threshold, sb = b >= threshold;
      fp32_speech += sa;
      int8_speech += sb;
      agree_speech += sa && sb;
      agree_silence += !sa && !sb;
      const double d = std::fabs(static_cast<double>(a) - b);
      sum_abs += d;
      max_abs = std::max(max_abs, d);
    }
  }
  const int64_t fp32_silence = chunks - fp32_speech, agree = agree_speech + agree_silence;
  auto share = [](int64_t num, int64_t den) {
    return den ? 100.0 * static_cast<double>(num) / static_cast<double>(den) : 0.0;
  };
  auto ll = [](int64_t v) { return static_cast<long long>(v); };
  std::printf("| quantity | value |\n|---|---|\n");
  std::printf("| chunks (32 ms frames) | %lld |\n", ll(chunks));
  std::printf("| FP32 speech frames | %lld (%.1f%%) |\n", ll(fp32_speech), share(fp32_speech, chunks));
  std::printf("| INT8 speech frames | %lld (%.1f%%) |\n", ll(int8_speech), share(int8_speech, chunks));
  std::printf("| agreement, all frames | %.2f%% (%lld of %lld) |\n", share(agree, chunks), ll(agree), ll(chunks));
  std::printf("| agreement on FP32 speech frames | %.2f%% (%lld of %lld) |\n", share(agree_speech, fp32_speech),
              ll(agree_speech), ll(fp32_speech));
  std::printf("| agreement on FP32 non-speech frames | %.2f%% (%lld of %lld) |\n",
              share(agree_silence, fp32_silence), ll(agree_silence), ll(fp32_silence));
  std::printf("| mean \\|p_int8 - p_fp32\\| | %.5f |\n", chunks ? sum_abs / static_cast<double>(chunks) : 0.0);
  std::printf("| max \\|p_int8 - p_fp32\\| | %.5f |\n\n", max_abs);
}

void print_latency(const Passes& p, long repeats, int64_t chunks) {
  const double per_chunk = 1e6 / static_cast<double>(chunks);  // seconds per set -> us per chunk
  double med[2], best[2];
  for (int m = 0; m < 2; ++m) {
    med[m] = median(p.seconds[m]) * per_chunk;
    best[m] = *std::min_element(p.seconds[m].begin(), p.seconds[m].end()) * per_chunk;
  }
  std::printf("Latency per chunk: 1 intra-op thread, all optimizations, stream passes interleaved, "
              "median (min) over %ld repeats of %lld chunks\n\n",
              repeats, static_cast<long long>(chunks));
  std::printf("| model | median us/chunk | min us/chunk | ratio to FP32 (medians) | ratio to FP32 (paired) |\n"
              "|---|---|---|---|---|\n");
  std::printf("| FP32 | %.1f | %.1f | 1.00 | 1.00 |\n", med[0], best[0]);
  std::printf("| INT8 | %.1f | %.1f | %.3f | %.3f |\n", med[1], best[1], med[1] / med[0], median(p.pair_ratios));
  std::printf("\n(paired: median over every stream pass of INT8 time / FP32 time of the adjacent pass on the "
              "same stream)\n");
}

int cmd_compare(const std::vector<std::string>& args) {
  std::vector<std::string> pos;
  double threshold = 0.5;
  long repeats = 5;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--threshold") {
      if (i + 1 >= args.size() || !parse_double(args[i + 1], threshold) || threshold <= 0 || threshold >= 1) {
        return usage_error("--threshold needs a number in (0, 1)");
      }
      ++i;
    } else if (a == "--repeats") {
      if (i + 1 >= args.size() || !parse_int(args[i + 1], 1, repeats)) {
        return usage_error("--repeats needs an integer >= 1");
      }
      ++i;
    } else if (a.rfind("--", 0) == 0) {
      return usage_error("unknown option " + a);
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() != 3) return usage_error("compare takes FP32_MODEL INT8_MODEL STREAMS_DIR");
  auto fp32 = open_vad(pos[0]);
  if (!fp32.ok()) return fail(fp32.status());
  auto int8 = open_vad(pos[1]);
  if (!int8.ok()) return fail(int8.status());
  auto streams = load_streams(pos[2]);
  if (!streams.ok()) return fail(streams.status());
  const qac::Session* const sessions[2] = {fp32->get(), int8->get()};
  const std::string labels[2] = {pos[0], pos[1]};
  int64_t chunks = 0;
  for (const Stream& s : *streams) chunks += s.chunks;

  Passes passes;
  if (qac::Status s = run_passes(sessions, labels, *streams, repeats, passes); !s.ok()) return fail(s);
  std::printf("FP32 `%s` vs INT8 `%s` on `%s`: %zu streams, threshold %.2f\n\n", pos[0].c_str(), pos[1].c_str(),
              pos[2].c_str(), streams->size(), threshold);
  print_agreement(passes, threshold, chunks);
  print_latency(passes, repeats, chunks);
  if (!passes.deterministic) {
    std::printf("\nnote: probabilities differed between repeats (the first repeat's are compared)\n");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  qac::set_log_level(qac::LogLevel::kWarning);
  if (argc < 2) return usage_error("no subcommand");
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "data") return cmd_data(args);
  if (cmd == "compare") return cmd_compare(args);
  return usage_error("unknown subcommand '" + cmd + "'");
}
