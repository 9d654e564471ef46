#include "core/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace qac {
namespace {
namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qac_atomic_file_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  size_t entries() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }
  fs::path dir_;
};

TEST_F(AtomicFileTest, WritesAndReplacesKeepingPermissions) {
  const fs::path p = dir_ / "out.txt";
  ASSERT_TRUE(write_file_atomically(p, "first").ok());
  EXPECT_EQ(read(p), "first");
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_TRUE(write_file_atomically(p, "second").ok());
  EXPECT_EQ(read(p), "second");
  EXPECT_EQ(fs::status(p).permissions(), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, StagedFileIsInvisibleUntilCommittedAndRemovedWhenDropped) {
  const fs::path p = dir_ / "out.txt";
  ASSERT_TRUE(write_file_atomically(p, "old").ok());
  {
    auto staged = StagedFile::write(p, "new");
    ASSERT_TRUE(staged.ok()) << staged.status().to_string();
    EXPECT_EQ(read(p), "old");
    EXPECT_EQ(entries(), 2u);  // the destination and the temporary file
  }
  EXPECT_EQ(read(p), "old");
  EXPECT_EQ(entries(), 1u);
  auto staged = StagedFile::write(p, "new");
  ASSERT_TRUE(staged.ok());
  ASSERT_TRUE(staged->commit().ok());
  EXPECT_EQ(read(p), "new");
  EXPECT_EQ(entries(), 1u);
}

// A rename that fails after the bytes were written leaves the destination as it was and no
// temporary file behind.
TEST_F(AtomicFileTest, FailedCommitLeavesDestinationAndNoTemporaryFile) {
  const fs::path p = dir_ / "out.txt";
  auto staged = StagedFile::write(p, "bytes");
  ASSERT_TRUE(staged.ok());
  fs::create_directories(p / "occupied");  // a non-empty folder cannot be renamed over
  const Status s = staged->commit();
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find(p.string()), std::string::npos) << s.message();
  EXPECT_TRUE(fs::is_directory(p / "occupied"));
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, RefusesWhatIsNotARegularFile) {
  fs::create_directories(dir_ / "folder");
  EXPECT_EQ(write_file_atomically(dir_ / "folder", "x").code(), StatusCode::kInvalidArgument);
  const fs::path fifo = dir_ / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(write_file_atomically(fifo, "x").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(fs::is_fifo(fifo));
  EXPECT_EQ(write_file_atomically(dir_ / "missing" / "out.txt", "x").code(), StatusCode::kIoError);
  EXPECT_EQ(entries(), 2u);
}

TEST_F(AtomicFileTest, SymbolicLinkKeepsPointingAtTheReplacedFile) {
  const fs::path target = dir_ / "target.txt";
  const fs::path link = dir_ / "link.txt";
  ASSERT_TRUE(write_file_atomically(target, "old").ok());
  fs::create_symlink(target, link);
  ASSERT_TRUE(write_file_atomically(link, "new").ok());
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(read(target), "new");
}

}  // namespace
}  // namespace qac
