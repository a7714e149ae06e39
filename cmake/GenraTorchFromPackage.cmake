# LibTorch from an installed PyTorch package folder (site-packages/torch), without its CMake
# config. That config needs the CUDA toolkit's CMake pieces (nvcc, NVTX, cuDNN paths) even for code
# that only calls LibTorch; the package's own headers and libraries are all a C++ program needs.
#   -DGENRA_TORCH_DIR=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')
#   -DGENRA_TORCH_CXX11_ABI=$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
# Sets what find_package(Torch) would: TORCH_INCLUDE_DIRS, TORCH_LIBRARIES, TORCH_CXX_FLAGS.
set(GENRA_TORCH_CXX11_ABI 1 CACHE STRING "The package's _GLIBCXX_USE_CXX11_ABI (0 or 1)")

if(NOT EXISTS ${GENRA_TORCH_DIR}/include/torch/torch.h AND
   NOT EXISTS ${GENRA_TORCH_DIR}/include/torch/csrc/api/include/torch/torch.h)
  message(FATAL_ERROR "GENRA_TORCH_DIR=${GENRA_TORCH_DIR}: no LibTorch headers under include/ (expected the torch package folder)")
endif()
set(TORCH_INCLUDE_DIRS ${GENRA_TORCH_DIR}/include ${GENRA_TORCH_DIR}/include/torch/csrc/api/include)
set(TORCH_CXX_FLAGS -D_GLIBCXX_USE_CXX11_ABI=${GENRA_TORCH_CXX11_ABI})

set(TORCH_LIBRARIES)
foreach(name torch torch_cpu c10)
  find_library(GENRA_TORCH_LIB_${name} ${name} PATHS ${GENRA_TORCH_DIR}/lib NO_DEFAULT_PATH REQUIRED)
  list(APPEND TORCH_LIBRARIES ${GENRA_TORCH_LIB_${name}})
endforeach()
# The CUDA libraries register their kernels from static initialisers and are never referenced by
# symbol, so they are linked with --no-as-needed (as LibTorch's own config does).
foreach(name torch_cuda c10_cuda)
  find_library(GENRA_TORCH_LIB_${name} ${name} PATHS ${GENRA_TORCH_DIR}/lib NO_DEFAULT_PATH)
  if(GENRA_TORCH_LIB_${name})
    list(APPEND TORCH_LIBRARIES "-Wl,--no-as-needed,${GENRA_TORCH_LIB_${name}}")
    set(GENRA_TORCH_HAS_CUDA ON)
  endif()
endforeach()
list(APPEND TORCH_LIBRARIES Threads::Threads)
message(STATUS "LibTorch from the package at ${GENRA_TORCH_DIR} (CUDA: ${GENRA_TORCH_HAS_CUDA}, CXX11 ABI ${GENRA_TORCH_CXX11_ABI})")
