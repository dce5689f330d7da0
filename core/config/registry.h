// The tables of named entries (layer types, initialisers, optimizers,
// schedules, metrics, dataset downloads) are looked up and listed the same
// way: by their `name`.
#pragma once

#include <string>
#include <vector>

namespace hyperlab {

/// The entry of `table` called `name`, or null.
template <class T>
const T* find_named(const std::vector<T>& table, const std::string& name) {
  for (const T& e : table)
    if (e.name == name) return &e;
  return nullptr;
}

/// The entries' names, in the table's order.
template <class T>
std::vector<std::string> names_of(const std::vector<T>& table) {
  std::vector<std::string> n;
  for (const T& e : table) n.push_back(e.name);
  return n;
}

}  // namespace hyperlab
