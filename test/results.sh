# The one reader of result lines (sourced by the test scripts). Every stage and suite ends with
# "N passed, N failed" (optionally behind a prefix such as "guest: " or "x86_64: ").
#   result_counts TEXT [PREFIX]  sets R_PASS and R_FAIL from the last such line of TEXT (with
#                                PREFIX in front of it when given, at a line start); R_FOUND=1,
#                                or 0 with R_PASS=0 R_FAIL=1 when TEXT has none
result_counts() {
  local line pre=${2:-}
  if [ -n "$pre" ]; then
    line=$(tr -d '\r' <<<"$1" | grep -aEo "^$pre[0-9]+ passed, [0-9]+ failed" | tail -n1)
    line=${line#"$pre"}
  else
    line=$(tr -d '\r' <<<"$1" | grep -aEo '[0-9]+ passed, [0-9]+ failed' | tail -n1)
  fi
  if [ -z "$line" ]; then R_FOUND=0 R_PASS=0 R_FAIL=1; return; fi
  R_FOUND=1
  R_PASS=${line%% passed*}
  R_FAIL=${line#*passed, }; R_FAIL=${R_FAIL%% failed*}
}
