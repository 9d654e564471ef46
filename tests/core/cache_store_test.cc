// The pieces every on-disk cache is built from: the content hash, the binary record and the
// folder of keyed files.
#include <gtest/gtest.h>

#include <fstream>
#include <limits>

#include "core/byte_record.h"
#include "core/content_hash.h"
#include "core/dataset_fingerprint.h"
#include "core/keyed_files.h"
#include "support/memory_dataset.h"
#include "support/scratch_dir.h"

namespace qac {
namespace {

TEST(ContentHashTest, IsFnv1a) {
  EXPECT_EQ(ContentHash().hex(), "cbf29ce484222325");      // the FNV-1a 64 offset basis
  EXPECT_EQ(ContentHash().add("a").hex(), "af63dc4c8601ec8c");
  EXPECT_EQ(ContentHash().add("foobar").hex(), "85944171f73967e8");
}

TEST(ContentHashTest, FieldsDoNotRunIntoEachOther) {
  EXPECT_NE(ContentHash().add_field("ab").add_field("c").value(), ContentHash().add_field("a").add_field("bc").value());
  EXPECT_EQ(ContentHash().add("ab").add("c").value(), ContentHash().add("a").add("bc").value());
}

TEST(ByteRecordTest, RoundTripsEveryKind) {
  ByteWriter w;
  w.put<double>(std::numeric_limits<double>::quiet_NaN()).put<float>(-0.5f).put<uint8_t>(7).put_string("x y\nz");
  w.put_vector(std::vector<double>{1.0 / 3.0, -2e300}).put_vector(std::vector<int64_t>{});
  ByteReader r(w.bytes());
  double nan = 0;
  float f = 0;
  uint8_t b = 0;
  std::string s;
  std::vector<double> v;
  std::vector<int64_t> empty{1};
  ASSERT_TRUE(r.get(nan) && r.get(f) && r.get(b) && r.get_string(s) && r.get_vector(v) && r.get_vector(empty));
  EXPECT_TRUE(r.at_end());
  EXPECT_TRUE(nan != nan);
  EXPECT_EQ(f, -0.5f);
  EXPECT_EQ(b, 7);
  EXPECT_EQ(s, "x y\nz");
  EXPECT_EQ(v, (std::vector<double>{1.0 / 3.0, -2e300}));
  EXPECT_TRUE(empty.empty());
}

TEST(ByteRecordTest, TruncatedOrOversizedLengthsFailWithoutAllocating) {
  ByteWriter w;
  w.put_vector(std::vector<double>{1, 2, 3});
  const std::string whole = w.bytes();
  for (size_t n = 0; n < whole.size(); ++n) {
    ByteReader r(std::string_view(whole).substr(0, n));
    std::vector<double> v;
    EXPECT_FALSE(r.get_vector(v)) << n << " bytes";
    EXPECT_FALSE(r.ok());
  }
  ByteWriter huge;
  huge.put<uint64_t>(uint64_t{1} << 62);  // a length no entry can hold
  ByteReader r(huge.bytes());
  std::vector<double> v;
  std::string s;
  EXPECT_FALSE(r.get_vector(v));
  ByteReader r2(huge.bytes());
  EXPECT_FALSE(r2.get_string(s));
}

TEST(KeyedFilesTest, StoresAndReadsBackEntries) {
  testing::ScratchDir scratch;
  const KeyedFiles files((scratch / "nested" / "store").string());
  EXPECT_FALSE(files.get("k1").has_value());
  ASSERT_TRUE(files.put("k1", std::string("a\0b", 3)).ok());
  ASSERT_TRUE(files.put("k2", "second").ok());
  ASSERT_TRUE(files.put("k1", "replaced").ok());
  EXPECT_EQ(files.get("k1"), "replaced");
  EXPECT_EQ(files.get("k2"), "second");
}

TEST(KeyedFilesTest, AFolderThatIsAFileIsAnErrorNamingIt) {
  testing::ScratchDir scratch;
  std::ofstream(scratch / "file") << "x";
  const KeyedFiles files((scratch / "file").string());
  const Status put = files.put("k", "v");
  EXPECT_FALSE(put.ok());
  EXPECT_NE(put.message().find("file"), std::string::npos) << put.to_string();
}

testing::MemoryDataset dataset_of(std::vector<float> values, std::optional<Labels> labels = std::nullopt) {
  Tensor t(DType::kFloat32, {static_cast<int64_t>(values.size()), 1});
  std::copy(values.begin(), values.end(), reinterpret_cast<float*>(t.bytes.data()));
  return testing::MemoryDataset({{"x", t}}, std::move(labels));
}

TEST(DatasetFingerprintTest, ChangesWithAnySampleOrLabelAndOnlyCountsTheFirstSamples) {
  auto hash = [](const Dataset& d, size_t max_samples = SIZE_MAX) {
    ContentHash h;
    EXPECT_TRUE(add_dataset_content(d, h, max_samples).ok());
    return h.value();
  };
  std::vector<float> values(200);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  const uint64_t base = hash(dataset_of(values));
  EXPECT_EQ(hash(dataset_of(values)), base);
  std::vector<float> changed = values;
  changed[150] = -1;  // in the third chunk of 64
  EXPECT_NE(hash(dataset_of(changed)), base);
  EXPECT_EQ(hash(dataset_of(changed), 100), hash(dataset_of(values), 100));
  Labels a, b;
  a.classes.assign(200, 1);
  b.classes.assign(200, 1);
  b.classes[7] = 2;
  EXPECT_NE(hash(dataset_of(values, a)), hash(dataset_of(values, b)));
  EXPECT_NE(hash(dataset_of(values, a)), base);
}

}  // namespace
}  // namespace qac
