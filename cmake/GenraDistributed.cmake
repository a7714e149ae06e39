# Data-parallel training (core/train/distributed.cpp) on c10d: Gloo where its headers are there
# (Debian: libgloo-dev, which Debian's libtorch was built against), NCCL in CUDA builds of LibTorch
# that ship c10d's NCCL headers. Without them multi-process runs fail with a clear error.
find_path(GENRA_GLOO_INCLUDE_DIR gloo/algorithm.h HINTS ${TORCH_INCLUDE_DIRS})
find_library(GENRA_GLOO_LIBRARY gloo)
find_path(GENRA_C10D_INCLUDE_DIR torch/csrc/distributed/c10d/ProcessGroupGloo.hpp HINTS ${TORCH_INCLUDE_DIRS})
set(GENRA_DIST_DEFINITIONS)
if(GENRA_GLOO_INCLUDE_DIR AND GENRA_GLOO_LIBRARY AND GENRA_C10D_INCLUDE_DIR)
  list(APPEND GENRA_DIST_DEFINITIONS GENRA_HAVE_C10D_GLOO=1)
  target_link_libraries(genra_core PUBLIC ${GENRA_GLOO_LIBRARY})
  message(STATUS "Data-parallel training: c10d Gloo (${GENRA_GLOO_LIBRARY})")
else()
  message(STATUS "Data-parallel training: no c10d Gloo (install libgloo-dev); multi-process runs disabled")
endif()
if(TORCH_CUDA_LIBRARIES AND GENRA_C10D_INCLUDE_DIR)
  find_path(GENRA_NCCL_INCLUDE_DIR nccl.h HINTS ${TORCH_INCLUDE_DIRS} ${CUDAToolkit_INCLUDE_DIRS} ENV CUDA_HOME PATH_SUFFIXES include)
  if(GENRA_NCCL_INCLUDE_DIR AND EXISTS "${GENRA_C10D_INCLUDE_DIR}/torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp")
    list(APPEND GENRA_DIST_DEFINITIONS GENRA_HAVE_C10D_NCCL=1)
    set_property(SOURCE ${PROJECT_SOURCE_DIR}/core/train/distributed.cpp APPEND PROPERTY INCLUDE_DIRECTORIES ${GENRA_NCCL_INCLUDE_DIR})
    message(STATUS "Data-parallel training: c10d NCCL")
  endif()
endif()
set_source_files_properties(${PROJECT_SOURCE_DIR}/core/train/distributed.cpp PROPERTIES
  COMPILE_DEFINITIONS "${GENRA_DIST_DEFINITIONS}" SKIP_PRECOMPILE_HEADERS ON)
