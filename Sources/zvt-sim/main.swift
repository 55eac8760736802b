import CLISupport

printError("zvt-sim: der Simulator ist noch nicht gebaut (Issue 4).")
exit(.failure)
