// What the process runs on: BLAS, cores, LibTorch version, CUDA.
#include <dlfcn.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <string>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/version.h>

#include "train/trainer.h"

namespace hyperlab {

namespace {

// Which shared object provides the sgemm_ that LibTorch calls.
std::string sgemm_provider() {
  void* sym = dlsym(RTLD_DEFAULT, "sgemm_");
  if (!sym) return "";
  Dl_info info;
  if (!dladdr(sym, &info) || !info.dli_fname) return "";
  return info.dli_fname;
}

}  // namespace

bool blas_is_optimized() {
  // OpenBLAS exports openblas_get_parallel; MKL and BLIS their own markers. The
  // reference BLAS has none of them.
  if (dlsym(RTLD_DEFAULT, "openblas_get_parallel") || dlsym(RTLD_DEFAULT, "mkl_get_max_threads") ||
      dlsym(RTLD_DEFAULT, "bli_info_get_version_str")) {
    std::string p = sgemm_provider();
    // Debian's libtorch also links libopenblas.so.0, but sgemm_ may still come
    // from the reference libblas.so.3 chosen by update-alternatives.
    return p.empty() || p.find("/blas/libblas") == std::string::npos;
  }
  return false;
}

std::string blas_description() {
  std::string provider = sgemm_provider();
  if (!blas_is_optimized())
    return "WARNING: reference BLAS (" + (provider.empty() ? std::string("unknown") : provider) +
           "): matrix products run about 30x slower; install libopenblas0-openmp "
           "(sudo apt-get install libopenblas0-openmp)";
  std::string d;
  using cfg_fn = char* (*)();
  using par_fn = int (*)();
  if (auto cfg = reinterpret_cast<cfg_fn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) d = cfg();
  else d = "optimised BLAS";
  if (auto par = reinterpret_cast<par_fn>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"))) {
    int p = par();
    d += p == 0 ? " (sequential)" : p == 1 ? " (pthreads)" : " (openmp)";
  }
  return d;
}

int physical_cores() {
  // Count distinct (physical id, core id) pairs; fall back to online CPUs.
  std::ifstream in("/proc/cpuinfo");
  std::set<std::pair<std::string, std::string>> cores;
  std::string line, phys = "0";
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    std::string val = line.substr(colon + 1);
    if (key == "physical id") phys = val;
    if (key == "core id") cores.insert({phys, val});
  }
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  int n = cores.empty() ? static_cast<int>(online) : static_cast<int>(cores.size());
  // Inside a container limited to fewer CPUs than the host has cores.
  if (online > 0 && n > online) n = static_cast<int>(online);
  return n > 0 ? n : 1;
}

std::string torch_version() { return TORCH_VERSION; }

std::string error_message(const std::exception& e) {
  if (auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  std::string s = e.what();
  // A c10::Error's text wrapped into another exception still carries its backtrace.
  for (const char* cut : {"\nException raised from", "\nframe #"}) {
    size_t at = s.find(cut);
    if (at != std::string::npos) s.resize(at);
  }
  return s;
}

bool cuda_available() { return at::hasCUDA() && cuda_device_count() > 0; }

int cuda_device_count() {
  if (!at::hasCUDA()) return 0;
  try {
    return static_cast<int>(at::detail::getCUDAHooks().getNumGPUs());
  } catch (...) {
    return 0;
  }
}

// glibc hands blocks over 128 KB to mmap and returns them on free, so every
// batch's activations page-fault afresh (measured: ~20 % of a baseline epoch).
// Keeping such blocks in the heap removes that; done once per process, before
// the first run (the Trainer's constructor), so worker threads see it too.
void tune_allocator() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    // One arena: a run on a worker thread (the GUI's) would otherwise get a
    // per-thread arena, whose heaps glibc trims and re-faults (measured: a
    // worker-thread run 5-15 % slower than the same run on the main thread).
    mallopt(M_ARENA_MAX, 1);
  });
}

// Keeps one thread pool: OpenBLAS's pthread pool at 1 thread when ATen uses
// several, because the two pools spin against each other (4x slower measured).
void configure_threads(int threads) {
  tune_allocator();
  at::set_num_threads(threads);
  using set_fn = void (*)(int);
  using par_fn = int (*)();
  auto par = reinterpret_cast<par_fn>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
  auto set = reinterpret_cast<set_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (par && set && par() == 1) set(1);
}

}  // namespace hyperlab
