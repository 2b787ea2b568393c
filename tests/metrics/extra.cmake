# hamgen::io is optional (libpng + giflib); when present, image.test.cpp also checks that io::image8 is
# accepted by the image metrics as is.
if(TARGET hamgen::io)
  target_link_libraries(test_metrics PRIVATE hamgen::io)
  target_compile_definitions(test_metrics PRIVATE HAMGEN_METRICS_TEST_IO=1)
endif()
