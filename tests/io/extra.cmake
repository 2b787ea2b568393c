target_link_libraries(test_io PRIVATE hamgen::io)
find_package(nlohmann_json REQUIRED)
target_link_libraries(test_io PRIVATE nlohmann_json::nlohmann_json)
