# CMake 3.25.1 (Debian 12) does not know nvcc's C++20 flag: any target that asks for CUDA20 fails at
# generate time ("requires the language dialect CUDA20"). Fixed upstream in later releases; this
# supplies the flag where CMake lacks it. Included by hamgen's own build and by hamgenConfig.cmake.
if(NOT DEFINED CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
  set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
  set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
endif()
