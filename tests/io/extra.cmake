target_link_libraries(test_io PRIVATE hamgen::io)
