# One interface target carries the strict Qt defines, warnings and sanitizer flags;
# every Cerulean target links it (as qBittorrent's qbt_common does).
add_library(cerulean_common INTERFACE)
add_library(Cerulean::common ALIAS cerulean_common)

target_compile_definitions(cerulean_common INTERFACE
  QT_NO_CAST_TO_ASCII
  QT_NO_CAST_FROM_BYTEARRAY
  QT_NO_URL_CAST_FROM_STRING
  QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
  QT_NO_FOREACH
  QT_NO_KEYWORDS
  QT_USE_QSTRINGBUILDER
  QT_STRICT_ITERATORS
  QT_DISABLE_DEPRECATED_UP_TO=0x060400
  CERULEAN_VERSION="${PROJECT_VERSION}")

target_compile_options(cerulean_common INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor -Woverloaded-virtual
  -Wcast-align -Wimplicit-fallthrough)
if(CERULEAN_WERROR)
  target_compile_options(cerulean_common INTERFACE -Werror)
  # GCC 12 reports -Wmaybe-uninitialized inside nlohmann_json 3.11's iterators when they are
  # inlined into our code (a known false positive of that compiler); keep it visible but not fatal.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(cerulean_common INTERFACE -Wno-error=maybe-uninitialized)
    # GCC 12 at -O3 reports -Wrestrict inside libstdc++'s std::string when strings are
    # concatenated (GCC bug 105651), a false positive with no fix on our side.
    target_compile_options(cerulean_common INTERFACE -Wno-restrict)
  endif()
endif()

target_include_directories(cerulean_common INTERFACE ${PROJECT_SOURCE_DIR})

# lld links each of our ~45 executables (every one against the static core libraries, with
# debug information in the sanitizer build) in well under half GNU ld's CPU time: the
# sanitized end-to-end UI test took 11.8 s with GNU ld and 4.7 s with lld. Debian's lld
# package (packaging/install-deps.sh); GNU ld when it is not installed.
option(CERULEAN_USE_LLD "Link with lld when it is installed" ON)
find_program(CERULEAN_LLD_PROGRAM ld.lld)
if(CERULEAN_USE_LLD AND CERULEAN_LLD_PROGRAM AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_link_options(cerulean_common INTERFACE -fuse-ld=lld)
endif()

# The product's code gets AddressSanitizer and UndefinedBehaviorSanitizer. A test program's
# own code (targets with the CERULEAN_TEST_CODE property, tests/CMakeLists.txt) gets ASan
# only: UBSan's checks were a third of a test file's compile time (client_test.cpp: 24.7 s
# of CPU with both, 15.9 s with ASan alone), and what the tests exercise is the product's
# code, which keeps both. Heap errors anywhere are still caught (the allocator is ASan's).
if(CERULEAN_SANITIZE)
  set(not_test_code "$<NOT:$<BOOL:$<TARGET_PROPERTY:CERULEAN_TEST_CODE>>>")
  target_compile_options(cerulean_common INTERFACE
    -fsanitize=address -fno-omit-frame-pointer
    "$<${not_test_code}:-fsanitize=undefined;-fno-sanitize-recover=undefined>")
  target_link_options(cerulean_common INTERFACE -fsanitize=address,undefined)
endif()

# libFuzzer builds (the fuzz preset; tests/fuzz/CMakeLists.txt): clang compiles the product's
# code with coverage instrumentation for the fuzzer and with ASan and UBSan, and leaves
# assertions on (Qt's, the standard library's bounds checks), so that a bad index is a crash
# the fuzzer reports rather than a quiet read. Only the fuzz targets link libFuzzer's main.
option(CERULEAN_FUZZ "Build the libFuzzer targets (tests/fuzz); needs clang" OFF)
if(CERULEAN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CERULEAN_FUZZ needs clang (cmake --preset fuzz).")
  endif()
  target_compile_definitions(cerulean_common INTERFACE _GLIBCXX_ASSERTIONS)
  target_compile_options(cerulean_common INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
    -Wno-unknown-warning-option) # GCC's -Wshadow=local
  target_link_options(cerulean_common INTERFACE -fsanitize=address,undefined)
endif()

# cerulean_module(NAME SOURCES... LINK ...) declares one library per module.
function(cerulean_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  add_library(cerulean_${name} STATIC ${ARG_SOURCES})
  add_library(Cerulean::${name} ALIAS cerulean_${name})
  target_link_libraries(cerulean_${name} PUBLIC cerulean_common ${ARG_LINK})
endfunction()
