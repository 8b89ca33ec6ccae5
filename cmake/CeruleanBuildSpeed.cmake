# Unity batches for builds from scratch.
#
# CI compiles every file twice on two cores from an empty compiler cache (Release with
# -Werror, then Debug with ASan+UBSan). Most of a file's time goes to instantiating and
# optimising the same nlohmann_json, Qt and standard-library templates that its neighbours
# instantiate too; a unity batch (several .cpp files in one translation unit) does that once.
# It changes nothing that is compiled: the same warnings apply, and a file with its own
# compile options stays out of the batches (CMake leaves it out).
#
# Off by default and on in the ci and asan-ubsan presets (CI and scripts/test.sh): in an
# incremental build a batch recompiles all its files when one of them changes.
option(CERULEAN_UNITY "Compile the modules known to fit in unity batches" OFF)

# cerulean_unity(TARGET [BATCH n]): only for targets whose files were checked to fit together
# (no two of them define the same name in an anonymous namespace).
function(cerulean_unity target)
  cmake_parse_arguments(ARG "" "BATCH" "" ${ARGN})
  if(NOT CERULEAN_UNITY OR NOT TARGET ${target})
    return()
  endif()
  if(NOT ARG_BATCH)
    set(ARG_BATCH 8)
  endif()
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${ARG_BATCH})
endfunction()

# Called once every target exists (end of the top-level CMakeLists.txt). The modules other
# work changes every day (azure, local, ui, the CLI) are left out: a new helper there that
# shares a name with one in another file would break only the unity build.
function(cerulean_speed_up_build)
  cerulean_unity(cerulean_automl)
  cerulean_unity(cerulean_serving)
  cerulean_unity(cerulean_bench)
endfunction()
