#include "core/npy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace qac {
namespace {

namespace fs = std::filesystem;

class NpyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("qac_npy_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

// A tensor of `dtype` and `shape` whose bytes are a deterministic pattern.
Tensor patterned(DType dtype, std::vector<int64_t> shape) {
  Tensor t(dtype, std::move(shape));
  for (size_t i = 0; i < t.bytes.size(); ++i) t.bytes[i] = static_cast<uint8_t>(i * 7 + 3);
  if (dtype == DType::kBool) {
    for (size_t i = 0; i < t.bytes.size(); ++i) t.bytes[i] = i % 3 == 0;
  }
  return t;
}

TEST_F(NpyTest, RoundTripsEveryDType) {
  const DType all[] = {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kInt8, DType::kUInt8,
                       DType::kInt16,   DType::kInt32,   DType::kInt64,   DType::kBool};
  for (DType dtype : all) {
    SCOPED_TRACE(dtype_name(dtype));
    const Tensor t = patterned(dtype, {4, 3, 2});
    const fs::path file = dir_ / (std::string(dtype_name(dtype)) + ".npy");
    ASSERT_TRUE(write_npy(file, t).ok());
    auto back = read_npy(file);
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(back->dtype, dtype);
    EXPECT_EQ(back->shape, t.shape);
    EXPECT_EQ(back->bytes, t.bytes);
    // The header is padded so that the data starts at a multiple of 64 bytes.
    auto reader = NpyReader::open(file);
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ(fs::file_size(file) - t.bytes.size(), 128u);
  }
}

TEST_F(NpyTest, RoundTripsScalarsAndEmptyArrays) {
  const Tensor scalar = patterned(DType::kFloat64, {});
  ASSERT_TRUE(write_npy(dir_ / "s.npy", scalar).ok());
  auto s = read_npy(dir_ / "s.npy");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->shape.empty());
  EXPECT_EQ(s->bytes, scalar.bytes);

  const Tensor empty(DType::kInt32, {0, 5});
  ASSERT_TRUE(write_npy(dir_ / "e.npy", empty).ok());
  auto e = read_npy(dir_ / "e.npy");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->shape, (std::vector<int64_t>{0, 5}));
}

TEST_F(NpyTest, ReadsRowRangesWithoutTheRest) {
  Tensor t(DType::kInt32, {5, 2});
  for (int i = 0; i < 10; ++i) t.data<int32_t>()[i] = i;
  ASSERT_TRUE(write_npy(dir_ / "r.npy", t).ok());
  auto reader = NpyReader::open(dir_ / "r.npy");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->rows(), 5);
  auto rows = (*reader)->read_rows(2, 2);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(std::vector<int32_t>(rows->data<int32_t>(), rows->data<int32_t>() + 4),
            (std::vector<int32_t>{4, 5, 6, 7}));
  EXPECT_FALSE((*reader)->read_rows(4, 2).ok());
  EXPECT_FALSE((*reader)->read_rows(-1, 1).ok());
  EXPECT_TRUE((*reader)->read_rows(5, 0).ok());
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A v1 file whose header dict is `dict` (no padding), followed by `data`.
std::string npy_v1(const std::string& dict, const std::string& data) {
  std::string s("\x93NUMPY\x01\x00", 8);
  s.push_back(static_cast<char>(dict.size() & 0xff));
  s.push_back(static_cast<char>(dict.size() >> 8));
  return s + dict + data;
}

TEST_F(NpyTest, ReadsVersion2And3Headers) {
  for (char major : {'\x02', '\x03'}) {
    const std::string dict = "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }\n";
    std::string s("\x93NUMPY", 6);
    s.push_back(major);
    s.push_back('\0');
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((dict.size() >> (8 * i)) & 0xff));
    s += dict;
    s += std::string("\x05\x00\xff\xff", 4);
    write_bytes(dir_ / "v.npy", s);
    auto t = read_npy(dir_ / "v.npy");
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    EXPECT_EQ(t->dtype, DType::kInt16);
    EXPECT_EQ(t->data<int16_t>()[0], 5);
    EXPECT_EQ(t->data<int16_t>()[1], -1);
  }
}

TEST_F(NpyTest, RejectsBadFilesNamingThem) {
  struct Case {
    const char* file;
    std::string bytes;
    StatusCode code;
    const char* message_part;
  };
  const std::string ok_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n";
  const std::vector<Case> cases = {
      {"magic.npy", "PK\x03\x04 this is a zip file", StatusCode::kInvalidData, "bad magic"},
      {"short.npy", "\x93NU", StatusCode::kInvalidData, "too short"},
      {"truncated.npy", npy_v1(ok_dict, std::string(12, '\0')), StatusCode::kInvalidData,
       "truncated .npy data"},
      {"fortran.npy",
       npy_v1("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", std::string(16, '\0')),
       StatusCode::kUnsupported, "Fortran"},
      {"dtype.npy",
       npy_v1("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n", std::string(8, '\0')),
       StatusCode::kUnsupported, "unsupported .npy dtype '<c8'"},
      {"bigendian.npy",
       npy_v1("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }\n", std::string(4, '\0')),
       StatusCode::kUnsupported, "big-endian"},
      {"structured.npy",
       npy_v1("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n",
              std::string(4, '\0')),
       StatusCode::kUnsupported, "structured"},
      {"garbled.npy", npy_v1("{'descr': '<f4', 'shape': (2, 2 }\n", std::string(16, '\0')),
       StatusCode::kInvalidData, "malformed .npy header"},
      {"nokeys.npy", npy_v1("{'descr': '<f4'}\n", std::string(4, '\0')), StatusCode::kInvalidData,
       "lacks"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    write_bytes(dir_ / c.file, c.bytes);
    auto r = NpyReader::open(dir_ / c.file);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), c.code) << r.status().to_string();
    EXPECT_NE(r.status().message().find(c.file), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(c.message_part), std::string::npos) << r.status().message();
  }
  auto missing = NpyReader::open(dir_ / "missing.npy");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(NpyHeader, ParsesDictVariants) {
  auto h = parse_npy_header_dict("{\"shape\": (3L, 4L), \"fortran_order\": False, \"descr\": \"|u1\"}", "f");
  ASSERT_TRUE(h.ok()) << h.status().to_string();
  EXPECT_EQ(h->dtype, DType::kUInt8);
  EXPECT_EQ(h->shape, (std::vector<int64_t>{3, 4}));
  auto scalar = parse_npy_header_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", "f");
  ASSERT_TRUE(scalar.ok());
  EXPECT_TRUE(scalar->shape.empty());
}

bool python_numpy_available() {
  return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

TEST_F(NpyTest, ReadsFilesWrittenByNumpy) {
  if (!python_numpy_available()) GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  const std::string script =
      "import numpy as np, sys\n"
      "d = sys.argv[1]\n"
      "np.save(d + '/f4.npy', np.arange(24, dtype='<f4').reshape(2, 3, 4) / 8)\n"
      "np.save(d + '/i8.npy', np.array([-5, 0, 1 << 40], dtype='<i8'))\n"
      "np.save(d + '/b1.npy', np.array([[True, False], [False, True]]))\n"
      "np.save(d + '/f2.npy', np.array([1.5, -2.0], dtype='<f2'))\n"
      "np.save(d + '/u1.npy', np.array([[0, 255]], dtype='u1'))\n"
      "np.save(d + '/fortran.npy', np.asfortranarray(np.ones((2, 3), dtype='<f4')))\n"
      "a = np.load(d + '/ours.npy'); assert a.dtype == np.int16 and a.shape == (2, 3), a\n"
      "assert (a == np.arange(6).reshape(2, 3) - 3).all(), a\n";
  std::ofstream(dir_ / "gen.py") << script;
  Tensor ours(DType::kInt16, {2, 3});
  for (int i = 0; i < 6; ++i) ours.data<int16_t>()[i] = static_cast<int16_t>(i - 3);
  ASSERT_TRUE(write_npy(dir_ / "ours.npy", ours).ok());
  const std::string cmd = "/usr/bin/python3 " + (dir_ / "gen.py").string() + " " + dir_.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "numpy failed to read our file or write its own";

  auto f4 = read_npy(dir_ / "f4.npy");
  ASSERT_TRUE(f4.ok()) << f4.status().to_string();
  EXPECT_EQ(f4->shape, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_FLOAT_EQ(f4->data<float>()[23], 23.0f / 8);
  auto reader = NpyReader::open(dir_ / "f4.npy");
  ASSERT_TRUE(reader.ok());
  auto row1 = (*reader)->read_rows(1, 1);
  ASSERT_TRUE(row1.ok());
  EXPECT_FLOAT_EQ(row1->data<float>()[0], 12.0f / 8);

  auto i8 = read_npy(dir_ / "i8.npy");
  ASSERT_TRUE(i8.ok());
  EXPECT_EQ(i8->data<int64_t>()[0], -5);
  EXPECT_EQ(i8->data<int64_t>()[2], int64_t{1} << 40);
  auto b1 = read_npy(dir_ / "b1.npy");
  ASSERT_TRUE(b1.ok());
  EXPECT_EQ(b1->dtype, DType::kBool);
  EXPECT_EQ(b1->bytes, (std::vector<uint8_t>{1, 0, 0, 1}));
  auto f2 = read_npy(dir_ / "f2.npy");
  ASSERT_TRUE(f2.ok());
  EXPECT_EQ(f2->to_float(), (std::vector<float>{1.5f, -2.0f}));
  auto u1 = read_npy(dir_ / "u1.npy");
  ASSERT_TRUE(u1.ok());
  EXPECT_EQ(u1->bytes, (std::vector<uint8_t>{0, 255}));
  auto fortran = read_npy(dir_ / "fortran.npy");
  EXPECT_EQ(fortran.status().code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace qac
