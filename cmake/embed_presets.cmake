# Writes OUT: a C++ file holding every DIR/*.json as a string, so the binaries
# need no installed resource folder. FUNC names the function (default
# embedded_presets; embedded_sweep_presets for resources/sweeps).
if(NOT FUNC)
  set(FUNC embedded_presets)
endif()
file(GLOB files "${DIR}/*.json")
list(SORT files)
set(body "// Generated from ${DIR} by cmake/embed_presets.cmake. Do not edit.\n#include \"config/presets.h\"\nnamespace hyperlab {\nconst std::vector<EmbeddedPreset>& ${FUNC}() {\n  static const std::vector<EmbeddedPreset> presets = {\n")
foreach(f ${files})
  get_filename_component(name "${f}" NAME_WE)
  file(READ "${f}" text)
  string(APPEND body "    {\"${name}\", R\"HLJSON(${text})HLJSON\"},\n")
endforeach()
string(APPEND body "  };\n  return presets;\n}\n}  // namespace hyperlab\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
