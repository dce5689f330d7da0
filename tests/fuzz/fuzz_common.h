// Shared by the libFuzzer targets in tests/fuzz: what counts as a finding
// besides what AddressSanitizer and UndefinedBehaviorSanitizer report, and a
// scratch file for the readers that take a path.
//
// A reader that promises to report problems (parse_config_text and
// parse_sweep_text return errors with key paths; read_idx and
// read_cifar_batch throw DataError naming the file; Expression throws
// ExpressionError with a position) and lets any other exception out fails
// the user the same way a crash does: they get an unnamed library message
// instead of "what is wrong, where". So an escaping exception aborts the
// target (a crash for libFuzzer, the input kept) unless
// HYPERLAB_FUZZ_ALLOW_EXCEPTIONS is set, which lets a run look past known
// ones for memory errors and undefined behaviour.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace fuzz {

inline bool allow_exceptions() {
  static const bool allow = std::getenv("HYPERLAB_FUZZ_ALLOW_EXCEPTIONS") != nullptr;
  return allow;
}

[[noreturn]] inline void escaped(const char* target, const std::string& what) {
  std::fprintf(stderr, "==fuzz== %s: an exception escaped (the reader must report this itself): %s\n", target,
               what.substr(0, 2000).c_str());
  std::fflush(stderr);
  std::abort();
}

/// Runs f; an exception that gets out is a finding (see above).
template <class F>
void guard(const char* target, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    if (!allow_exceptions()) escaped(target, e.what());
  } catch (...) {
    if (!allow_exceptions()) escaped(target, "(not a std::exception)");
  }
}

/// One file per process in $TMPDIR (or /tmp), rewritten for each input and
/// removed at exit.
class ScratchFile {
 public:
  explicit ScratchFile(const char* tag) {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir && *dir ? dir : "/tmp") + "/hyperlab-fuzz-" + tag + "-XXXXXX";
    int fd = ::mkstemp(&path_[0]);
    if (fd < 0) {
      std::perror("mkstemp");
      std::abort();
    }
    ::close(fd);
  }
  ~ScratchFile() { ::unlink(path_.c_str()); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  const std::string& write(const uint8_t* data, size_t size) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f || (size > 0 && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
      std::perror(path_.c_str());
      std::abort();
    }
    return path_;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace fuzz
