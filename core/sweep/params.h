// One entry of a sweep file's "params" read and checked: a config key and
// where its values come from, or a set of named variants (bundles of
// settings). Internal to sweep/sweep.cpp.
#pragma once

#include <string>
#include <vector>

#include "config/json_reader.h"
#include "sweep/strategy.h"

namespace hyperlab {

/// Reads params[i] into `ps`; false if it is unusable (the errors are in `p`).
/// `variant_order`: the names of its variants in the order the file gives them.
bool read_param(ObjectReader& p, ParamSpec& ps, const std::vector<std::string>& variant_order);

}  // namespace hyperlab
