import CLISupport

printError("webkasse-bench: noch keine Szenarien (Issue 9).")
exit(.failure)
