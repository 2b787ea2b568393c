# Compile-fail diagnostics: the compiler must reject a system without potential_grad in a splitting
# stepper and name the missing expression (the test passes when the output matches, whatever the
# exit code; a program that compiled would print nothing and fail).
add_test(NAME integrate:diagnostic_names_missing_potential_grad
         COMMAND ${CMAKE_CXX_COMPILER} -std=c++20 -fsyntax-only -I${PROJECT_SOURCE_DIR}/include
                 "-I$<JOIN:$<TARGET_PROPERTY:Eigen3::Eigen,INTERFACE_INCLUDE_DIRECTORIES>,;-I>"
                 ${CMAKE_CURRENT_SOURCE_DIR}/integrate/fail/splitting_needs_potential_grad.cpp
         COMMAND_EXPAND_LISTS)
set_tests_properties(integrate:diagnostic_names_missing_potential_grad PROPERTIES
  LABELS integrate
  PASS_REGULAR_EXPRESSION "required expression .*potential_grad\\(q\\).* is invalid")
