// The fuzz targets link the config reader without LibTorch's runtime
// (core/train/runtime.cpp); check_config asks it whether a CUDA device is
// there, only to leave a GPU's memory unchecked. Fuzzing runs on the CPU.
#include "train/trainer.h"

int hyperlab::cuda_device_count() { return 0; }
