// MNIST and CIFAR-10 as if downloaded: a temporary XDG_DATA_HOME whose
// hyperlab/datasets/NAME folders hold empty files of the names a download
// leaves (data/download.h), so that configs naming those datasets with no
// data.path (the presets mnist-cnn, cifar10-resnet20, ...) pass their checks.
// Nothing may read the files: a test that trains uses data of its own.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/temp_dir.h"
#include "data/download.h"

struct FakeDownloads {
  TempDir dir;
  std::string before;
  bool had = false;
  FakeDownloads() {
    if (const char* x = std::getenv("XDG_DATA_HOME")) before = x, had = true;
    for (const std::string& name : hyperlab::downloadable_datasets()) {
      const std::string folder = dir.path + "/hyperlab/datasets/" + name;
      std::filesystem::create_directories(folder);
      for (const std::string& f : hyperlab::dataset_download(name)->contents) std::ofstream(folder + "/" + f);
    }
    setenv("XDG_DATA_HOME", dir.path.c_str(), 1);
  }
  ~FakeDownloads() {
    if (had) setenv("XDG_DATA_HOME", before.c_str(), 1);
    else unsetenv("XDG_DATA_HOME");
  }
  FakeDownloads(const FakeDownloads&) = delete;
  FakeDownloads& operator=(const FakeDownloads&) = delete;
};
