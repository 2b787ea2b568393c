target_link_libraries(test_data PRIVATE hamgen::io)
