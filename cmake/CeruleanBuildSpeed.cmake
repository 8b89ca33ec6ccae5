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

# cerulean_unity_skip(TARGET file...): files of TARGET compiled on their own, because a name
# in their anonymous namespace is also defined by a neighbour.
function(cerulean_unity_skip target)
  if(NOT CERULEAN_UNITY OR NOT TARGET ${target})
    return()
  endif()
  set_source_files_properties(${ARGN} TARGET_DIRECTORY ${target} PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
endfunction()

# Called once every target exists (end of the top-level CMakeLists.txt). A new helper that
# shares a name with one in another file of its module breaks only the unity build (CI shows
# it); the file then goes on the module's skip list or the helper gets a distinct name.
function(cerulean_speed_up_build)
  cerulean_unity(cerulean_automl)
  cerulean_unity(cerulean_serving)
  cerulean_unity(cerulean_bench)
  cerulean_unity(cerulean_azure)
  cerulean_unity_skip(cerulean_azure ${PROJECT_SOURCE_DIR}/core/azure/resources.cpp)
  cerulean_unity(cerulean_local)
  cerulean_unity_skip(cerulean_local ${PROJECT_SOURCE_DIR}/core/local/pipeline_runner.cpp)
  cerulean_unity(cerulean_ui)
  cerulean_unity_skip(cerulean_ui ${PROJECT_SOURCE_DIR}/ui/pages/data_automl_settings.cpp)
  # cmd_automl.cpp sees all of cerulean::automl (a using-directive), whose names (Result)
  # clash with cerulean::azure's in cmd_pipeline.cpp.
  set(cli_alone compute endpoint job model workspace automl)
  list(TRANSFORM cli_alone PREPEND ${PROJECT_SOURCE_DIR}/app/cli/cmd_)
  list(TRANSFORM cli_alone APPEND .cpp)
  foreach(target cerulean-cli cerulean_cli_azure)
    cerulean_unity(${target})
    cerulean_unity_skip(${target} ${cli_alone})
  endforeach()
endfunction()
